/*
 * utf8.c - the one UTF-8 check for every text that enters the server, and
 * the decoding of checked text into code points (text scoring and voting).
 */
#include "core/lf.h"

#include <string.h>

/*
 * An 8-byte ASCII fast path, since nearly all uploaded bytes and request
 * texts are ASCII. NUL is rejected as well: it cannot be stored in a C
 * string column and never belongs in labelling data.
 */
bool lf_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;
	size_t i = 0;
	uint64_t v;
	unsigned c;

	while (i < n) {
		while (i + 8 <= n) {
			memcpy(&v, s + i, 8);
			if (((v | ((v - ones) & ~v)) & highs) != 0)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		c = s[i];
		if (c < 0x80) {
			if (c == 0)
				return false;
			i++;
		} else if (c < 0xC2) {
			return false;
		} else if (c < 0xE0) {
			if (i + 1 >= n || (s[i + 1] & 0xC0) != 0x80)
				return false;
			i += 2;
		} else if (c < 0xF0) {
			if (i + 2 >= n || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80)
				return false;
			if ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] > 0x9F))
				return false;
			i += 3;
		} else if (c < 0xF5) {
			if (i + 3 >= n || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80 ||
			    (s[i + 3] & 0xC0) != 0x80)
				return false;
			if ((c == 0xF0 && s[i + 1] < 0x90) || (c == 0xF4 && s[i + 1] > 0x8F))
				return false;
			i += 4;
		} else {
			return false;
		}
	}
	return true;
}

size_t lf_utf8_decode(const char *s, size_t n, uint32_t *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t k = 0;

	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		size_t extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
		uint32_t cp = extra == 0 ? c : c & (0x3F >> extra);
		if (i + extra >= n) {
			extra = 0;
			cp = c;
		}
		for (size_t e = 1; e <= extra; e++)
			cp = (cp << 6) | (p[i + e] & 0x3F);
		out[k++] = cp;
		i += extra + 1;
	}
	return k;
}
