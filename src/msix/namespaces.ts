// The App Installer namespaces and architectures, apart from the writer (src/msix/appinstaller.ts)
// so that release.yaml's schema can name them without loading the XML builder.

export const APPINSTALLER_NAMESPACES = {
  '2017/2': 'http://schemas.microsoft.com/appx/appinstaller/2017/2',
  '2018': 'http://schemas.microsoft.com/appx/appinstaller/2018',
  '2021': 'http://schemas.microsoft.com/appx/appinstaller/2021',
} as const;
export type AppInstallerNamespace = keyof typeof APPINSTALLER_NAMESPACES;
/** Oldest first. */
export const APPINSTALLER_NAMESPACE_ORDER = ['2017/2', '2018', '2021'] as const satisfies readonly AppInstallerNamespace[];

export const PACKAGE_ARCHITECTURES = ['x86', 'x64', 'arm', 'arm64', 'neutral'] as const;
export type PackageArchitecture = (typeof PACKAGE_ARCHITECTURES)[number];
