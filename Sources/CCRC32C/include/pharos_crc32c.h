#ifndef PHAROS_CRC32C_H
#define PHAROS_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/// CRC-32C (Castagnoli) of `length` bytes at `bytes`, continuing from `crc` (0 to start), as
/// Go's `crc32.Update(crc, crc32.MakeTable(crc32.Castagnoli), p)`. Uses the CPU's CRC32
/// instruction (SSE 4.2 on x86-64, the CRC extension on arm64) when it has one.
uint32_t pharos_crc32c(uint32_t crc, const uint8_t *bytes, size_t length);

/// The same checksum by table lookups only, whatever the CPU has (to test the fast path against).
uint32_t pharos_crc32c_portable(uint32_t crc, const uint8_t *bytes, size_t length);

#endif
