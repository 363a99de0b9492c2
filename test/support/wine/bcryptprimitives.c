/*
 * Test-only shim for Wine 8.0 (Debian bookworm), which lacks bcryptprimitives.dll.
 * Go >= 1.22 on Windows gets its random numbers from bcryptprimitives!ProcessPrng and aborts
 * at start-up without it ("bcryptprimitives.dll not found"). Wine 9 implements ProcessPrng the
 * same way: on top of RtlGenRandom (advapi32!SystemFunction036). Installed only into the
 * throwaway Wine prefix of the tests, never shipped.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x7fffffff ? 0x7fffffff : (ULONG)len;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
