// CRC-32C for the write-ahead log, chunks, index and stream segments: one hardware instruction
// per 8 bytes where the CPU has it, a slicing-by-8 table walk elsewhere.
#include "pharos_crc32c.h"

#include <pthread.h>
#include <string.h>

#define POLYNOMIAL 0x82F63B78u  // reflected Castagnoli

static uint32_t tables[8][256];

static void build_tables(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t crc = n;
        for (int k = 0; k < 8; k++) crc = (crc & 1) ? (crc >> 1) ^ POLYNOMIAL : crc >> 1;
        tables[0][n] = crc;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t crc = tables[0][n];
        for (int k = 1; k < 8; k++) {
            crc = tables[0][crc & 0xFF] ^ (crc >> 8);
            tables[k][n] = crc;
        }
    }
}

static uint32_t software(uint32_t c, const uint8_t *p, size_t n) {
    while (n >= 8) {
        uint32_t lo;
        memcpy(&lo, p, 4);
        lo ^= c;  // little-endian load, as the reflected algorithm wants
        c = tables[7][lo & 0xFF] ^ tables[6][(lo >> 8) & 0xFF] ^ tables[5][(lo >> 16) & 0xFF] ^ tables[4][lo >> 24]
            ^ tables[3][p[4]] ^ tables[2][p[5]] ^ tables[1][p[6]] ^ tables[0][p[7]];
        p += 8;
        n -= 8;
    }
    while (n--) c = tables[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
    return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t hardware(uint32_t c, const uint8_t *p, size_t n) {
    uint64_t c64 = c;
    while (n >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        c64 = __builtin_ia32_crc32di(c64, word);
        p += 8;
        n -= 8;
    }
    c = (uint32_t)c64;
    while (n--) c = __builtin_ia32_crc32qi(c, *p++);
    return c;
}
static int cpu_has_crc(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2");
}
#elif defined(__aarch64__)
#include <sys/auxv.h>
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif
__attribute__((target("+crc"))) static uint32_t hardware(uint32_t c, const uint8_t *p, size_t n) {
    while (n >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        c = __builtin_aarch64_crc32cx(c, word);
        p += 8;
        n -= 8;
    }
    while (n--) c = __builtin_aarch64_crc32cb(c, *p++);
    return c;
}
static int cpu_has_crc(void) { return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0; }
#else
static uint32_t hardware(uint32_t c, const uint8_t *p, size_t n) { return software(c, p, n); }
static int cpu_has_crc(void) { return 0; }
#endif

typedef uint32_t (*crc_function)(uint32_t, const uint8_t *, size_t);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static crc_function chosen;

static void choose(void) {
    build_tables();
    chosen = cpu_has_crc() ? hardware : software;
}

uint32_t pharos_crc32c(uint32_t crc, const uint8_t *bytes, size_t length) {
    pthread_once(&once, choose);
    return ~chosen(~crc, bytes, length);
}

uint32_t pharos_crc32c_portable(uint32_t crc, const uint8_t *bytes, size_t length) {
    pthread_once(&once, choose);
    return ~software(~crc, bytes, length);
}
