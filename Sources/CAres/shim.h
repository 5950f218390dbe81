#include <ares.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <arpa/inet.h>
