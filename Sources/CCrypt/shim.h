// libxcrypt (Debian's libcrypt-dev): crypt_r verifies the bcrypt hashes of web config files.
#include <crypt.h>
