// The application manifest embedded as RT_MANIFEST #1. Without one, Windows runs a Go exe with
// legacy behaviour: virtualised file/registry writes, MAX_PATH limits, OS version lies.

export type ExecutionLevel = 'asInvoker' | 'highestAvailable' | 'requireAdministrator';

/** supportedOS Id for Windows 10 and Windows 11 (Windows 11 reuses the Windows 10 GUID). */
export const WINDOWS_10_11_OS_ID = '{8e0f7a12-bfb3-4fe8-b9a5-48fd50a15a9a}';

export function applicationManifest(opts: { executionLevel: ExecutionLevel }): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<assembly xmlns="urn:schemas-microsoft-com:asm.v1" manifestVersion="1.0">
  <trustInfo xmlns="urn:schemas-microsoft-com:asm.v3">
    <security>
      <requestedPrivileges>
        <requestedExecutionLevel level="${opts.executionLevel}" uiAccess="false"/>
      </requestedPrivileges>
    </security>
  </trustInfo>
  <compatibility xmlns="urn:schemas-microsoft-com:compatibility.v1">
    <application>
      <supportedOS Id="${WINDOWS_10_11_OS_ID}"/>
    </application>
  </compatibility>
  <application xmlns="urn:schemas-microsoft-com:asm.v3">
    <windowsSettings>
      <longPathAware xmlns="http://schemas.microsoft.com/SMI/2016/WindowsSettings">true</longPathAware>
    </windowsSettings>
  </application>
</assembly>
`;
}
