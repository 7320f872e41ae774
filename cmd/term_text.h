/* Text from data (group, topic, cell values) as it may reach a terminal:
 * shared by the commands that print tables (report's text output, offsets).
 * Pure functions; any thread. */
#ifndef FTZ_TERM_TEXT_H
#define FTZ_TERM_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* v with every control character (C0, DEL, and the C1 range U+0080-U+009F)
 * written as \xNN, so data can neither move the cursor, change colours nor
 * split a row; cut on a character boundary to fit size (>= 1). Returns buf.
 * v borrowed; buf belongs to the caller. */
const char *ftz_term_printable(const char *v, char *buf, size_t size);

/* Writes v to out as ftz_term_printable shows it, however long. v borrowed. */
void ftz_term_put(FILE *out, const char *v);

/* Display width of UTF-8 text: its code points (continuation bytes do not
 * count). s borrowed. */
size_t ftz_term_width(const char *s);

/* Writes s padded with blanks to width (on the left when right != 0), after
 * two blanks unless first. s borrowed. */
void ftz_term_cell(FILE *out, const char *s, size_t width, int right, int first);

#endif
