/* UTF-8 text: checking it, measuring it, and making any bytes safe to
 * store as text. PostgreSQL refuses a text value that is not valid UTF-8
 * (SQLSTATE 22021) or holds a NUL byte, so every text the pipeline writes
 * (dead-letter reasons, server messages it quotes, keys it shows) goes
 * through ftz_utf8_sanitize first. Pure functions, any thread. */
#ifndef FTZ_UTF8_H
#define FTZ_UTF8_H

#include <stddef.h>

/* Whether s[0..len) is valid UTF-8 without NUL bytes (shortest forms
 * only, no surrogates, nothing beyond U+10FFFF). */
int ftz_utf8_valid(const char *s, size_t len);

/* Length in bytes of the valid UTF-8 character at s[0..len), or 0 when
 * the bytes there do not start one (or it is NUL). */
size_t ftz_utf8_char_len(const char *s, size_t len);

/* Code points in the NUL-terminated string s (valid UTF-8 expected; an
 * invalid byte counts as one). */
size_t ftz_utf8_length(const char *s);

/* Whether the NUL-terminated valid UTF-8 string s shows nothing: empty, or
 * only Unicode White_Space (tab, space, U+00A0, U+1680, U+2000-U+200A,
 * U+2028, U+2029, U+202F, U+205F, U+3000, ...) and invisible format
 * characters (U+200B-U+200D, U+2060, U+FEFF). */
int ftz_utf8_blank(const char *s);

/* The first control character of the NUL-terminated valid UTF-8 string s
 * (C0 U+0000-U+001F, DEL U+007F, C1 U+0080-U+009F), or -1 when it has none. */
long ftz_utf8_first_control(const char *s);

/* Copies src[0..src_len) into dst (dst_size > 0; always NUL-terminated) as
 * valid UTF-8: valid characters are kept, every other byte, NUL and the
 * C0 control characters but tab are written as \xNN, and when dst is too
 * small the copy stops before a character or escape that does not fit
 * whole (never inside one). Returns the bytes written, without the NUL.
 * dst and src must not overlap. */
size_t ftz_utf8_sanitize(char *dst, size_t dst_size, const char *src, size_t src_len);

#endif
