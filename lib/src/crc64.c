/* CRC-64-AVRO: the Rabin fingerprint of the Avro specification. The
 * specification uses one constant both as the initial value and as the
 * (reflected) polynomial of its table. */
#include "ftz/canonical.h"

#define FTZ_CRC64_EMPTY 0xc15d213aa4d7a795ULL

static uint64_t crc_table[256];
static int crc_table_ready;

static void crc_table_init(void) {
    for (int i = 0; i < 256; i++) {
        uint64_t fp = (uint64_t)i;
        for (int j = 0; j < 8; j++)
            fp = (fp >> 1) ^ (FTZ_CRC64_EMPTY & (0 - (fp & 1)));
        crc_table[i] = fp;
    }
    /* Benign race: every thread computes the same table. */
    crc_table_ready = 1;
}

uint64_t ftz_crc64_avro(const void *data, size_t len) {
    const unsigned char *p = data;
    uint64_t fp = FTZ_CRC64_EMPTY;
    if (!crc_table_ready)
        crc_table_init();
    for (size_t i = 0; i < len; i++)
        fp = (fp >> 8) ^ crc_table[(fp ^ p[i]) & 0xff];
    return fp;
}
