/* A small real program for the Go applier's test vectors (go/patch/testdata): build.sh
   compiles it twice for windows/amd64 with mingw-w64, the second time with another GREETING. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef GREETING
#define GREETING "hello from version 1"
#endif

static unsigned crc_table[256];

static void crc_init(void) {
  for (unsigned i = 0; i < 256; i++) {
    unsigned c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
}

static unsigned crc32_of(const char *s, size_t n) {
  unsigned c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) c = crc_table[(c ^ (unsigned char)s[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

struct word { const char *text; int count; };

static int by_count(const void *a, const void *b) {
  const struct word *x = a, *y = b;
  return y->count != x->count ? y->count - x->count : strcmp(x->text, y->text);
}

int main(int argc, char **argv) {
  crc_init();
  struct word words[64];
  int n = 0;
  for (int i = 1; i < argc && n < 64; i++) {
    int j = 0;
    while (j < n && strcmp(words[j].text, argv[i]) != 0) j++;
    if (j == n) words[n++] = (struct word){argv[i], 0};
    words[j].count++;
  }
  qsort(words, n, sizeof words[0], by_count);
  printf("%s (crc %08x)\n", GREETING, crc32_of(GREETING, strlen(GREETING)));
  for (int i = 0; i < n; i++) printf("%6d %s\n", words[i].count, words[i].text);
  return 0;
}
