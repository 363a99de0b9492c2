// The rules of an MSIX identity and of the texts a manifest holds, each as a function that says
// what is wrong (or nothing), so release.yaml's preflight, the App Installer writer and the tests
// apply one definition. Sources: AppxManifestTypes.xsd (ST_PackageName, ST_VersionQuad,
// ST_Publisher_2010_v2, ST_ApplicationId, ST_Color, ST_DisplayName, ST_Description) and the
// App Installer schema reference (MicrosoftDocs/winrt-related, schemas/appinstallerschema).

import type { WindowsArch } from '../util/arch.js';
import type { MsixArch } from './manifest.js';

/** Identity/@Name: 3-50 of letters, digits, "." and "-". */
export function packageNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 50) return `is ${name.length} characters; a package name has 3 to 50`;
  if (!/^[-.A-Za-z0-9]+$/.test(name)) return 'may hold only letters, digits, "." and "-"';
  if (/\.$/.test(name)) return 'may not end with "."';
  return undefined;
}

/** A package name made from a project name (letters, digits, ".", "-", "_"): "_" becomes "-". */
export function packageNameFrom(projectName: string): string {
  return projectName.replace(/_/g, '-');
}

const PART = '(0|[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])';
const QUAD = new RegExp(`^${PART}(\\.${PART}){3}$`);

/** A four-part version, each part 0-65535 (no leading zeros). */
export function versionQuadProblem(version: string): string | undefined {
  return QUAD.test(version) ? undefined : `"${version}" is not a four-part version Major.Minor.Build.Revision (each 0-65535, e.g. 1.2.3.0)`;
}

/** Compares two four-part versions. */
export function compareVersionQuads(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** The attribute names Windows writes in a distinguished name (CertNameToStr, X.500 form). */
const DN_KEY = '(CN|L|O|OU|E|C|S|STREET|T|G|I|SN|DC|SERIALNUMBER|Description|PostalCode|POBox|Phone|X21Address|dnQualifier|(OID\\.(0|[1-9][0-9]*)(\\.(0|[1-9][0-9]*))+))';
const DN_VALUE = '(([^,+="<>#;])+|".*")';
const PUBLISHER = new RegExp(`^${DN_KEY}=${DN_VALUE}(, ${DN_KEY}=${DN_VALUE})*$`);

/** Identity/@Publisher: the signing certificate's subject, as Windows writes a distinguished name. */
export function publisherProblem(publisher: string): string | undefined {
  if (publisher.length === 0 || publisher.length > 8192) return `is ${publisher.length} characters; a publisher has 1 to 8192`;
  if (!PUBLISHER.test(publisher)) {
    return 'is not a distinguished name as Windows writes one ("CN=Example Corp, O=Example Corp, C=US": attributes CN, O, OU, L, S, C, E, STREET, DC, SERIALNUMBER… separated by ", ", a value with , + = " < > # ; in double quotes)';
  }
  return undefined;
}

/** Windows' short names of subject attributes (CertNameToStr); others are written OID.x.y.z. */
const WINDOWS_DN_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'S',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'T',
  '2.5.4.13': 'Description',
  '2.5.4.17': 'PostalCode',
  '2.5.4.18': 'POBox',
  '2.5.4.20': 'Phone',
  '2.5.4.24': 'X21Address',
  '2.5.4.42': 'G',
  '2.5.4.43': 'I',
  '2.5.4.46': 'dnQualifier',
  '1.2.840.113549.1.9.1': 'E',
  '0.9.2342.19200300.100.1.25': 'DC',
};

export interface DnAttribute {
  /** The attribute type's OID. */
  type: string;
  value: string;
}

/**
 * A certificate subject (its RDNs in encoded order, one attribute each) as Windows writes it for
 * a package Publisher: the most specific attribute first (the reverse of the encoding, as
 * .NET's X509Certificate2.Subject and the certificate dialog show it), ", " between them, and a
 * value holding , + = " < > # ; a line break or outer spaces in double quotes (a quote doubled).
 */
export function windowsDistinguishedName(rdns: readonly (readonly DnAttribute[])[]): string {
  if (rdns.some((rdn) => rdn.length !== 1)) throw new Error('a subject with multi-valued RDNs (A=x + B=y) cannot be a package Publisher');
  return [...rdns]
    .reverse()
    .map(([a]) => `${WINDOWS_DN_NAMES[a!.type] ?? `OID.${a!.type}`}=${quoteDnValue(a!.value)}`)
    .join(', ');
}

function quoteDnValue(value: string): string {
  return /[,+="<>#;\r\n]|^\s|\s$/.test(value) || value === '' ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Identity/@ProcessorArchitecture of a Windows architecture. */
export function msixArchOf(arch: WindowsArch): MsixArch {
  return arch;
}

/** Application/@Id: letters and digits, dot-separated parts each starting with a letter, at most 64. */
export function applicationIdProblem(id: string): string | undefined {
  if (id.length === 0 || id.length > 64) return `is ${id.length} characters; an application id has 1 to 64`;
  if (!/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/.test(id)) return 'must be letters and digits, starting with a letter (parts may be joined with ".")';
  return undefined;
}

/** An application id made from a binary name: its letters and digits, starting with a letter. */
export function applicationIdFrom(binary: string): string {
  const id = binary.replace(/\.exe$/i, '').replace(/[^A-Za-z0-9]/g, '');
  const lettered = /^[A-Za-z]/.test(id) ? id : `App${id}`;
  return lettered.slice(0, 64);
}

const NAMED_COLORS = new Set(
  `aliceBlue antiqueWhite aqua aquamarine azure beige bisque black blanchedAlmond blue blueViolet brown burlyWood cadetBlue chartreuse chocolate coral cornflowerBlue cornsilk crimson cyan darkBlue darkCyan darkGoldenrod darkGray darkGreen darkKhaki darkMagenta darkOliveGreen darkOrange darkOrchid darkRed darkSalmon darkSeaGreen darkSlateBlue darkSlateGray darkTurquoise darkViolet deepPink deepSkyBlue dimGray dodgerBlue firebrick floralWhite forestGreen fuchsia gainsboro ghostWhite gold goldenrod gray green greenYellow honeydew hotPink indianRed indigo ivory khaki lavender lavenderBlush lawnGreen lemonChiffon lightBlue lightCoral lightCyan lightGoldenrodYellow lightGreen lightGray lightPink lightSalmon lightSeaGreen lightSkyBlue lightSlateGray lightSteelBlue lightYellow lime limeGreen linen magenta maroon mediumAquamarine mediumBlue mediumOrchid mediumPurple mediumSeaGreen mediumSlateBlue mediumSpringGreen mediumTurquoise mediumVioletRed midnightBlue mintCream mistyRose moccasin navajoWhite navy oldLace olive oliveDrab orange orangeRed orchid paleGoldenrod paleGreen paleTurquoise paleVioletRed papayaWhip peachPuff peru pink plum powderBlue purple red rosyBrown royalBlue saddleBrown salmon sandyBrown seaGreen seaShell sienna silver skyBlue slateBlue slateGray snow springGreen steelBlue tan teal thistle tomato transparent turquoise violet wheat white whiteSmoke yellow yellowGreen`.split(' '),
);

/** VisualElements/@BackgroundColor: #RRGGBB, "transparent" or a named colour (camelCase). */
export function colorProblem(color: string): string | undefined {
  if (/^#[0-9a-fA-F]{6}$/.test(color) || NAMED_COLORS.has(color)) return undefined;
  return `"${color}" is not a colour Windows takes: #RRGGBB (e.g. #1E90FF), transparent, or a named colour such as dodgerBlue`;
}

/** A display text: 1 to `max` characters, one line. */
export function displayTextProblem(text: string, max: number): string | undefined {
  if (text.trim().length === 0) return 'is empty';
  if (text.length > max) return `is ${text.length} characters; Windows takes at most ${max}`;
  if (/[\u0000-\u001f]/.test(text)) return 'holds a control character or line break';
  return undefined;
}

/** An execution alias: a file name ending in .exe, without a folder. */
export function aliasProblem(alias: string): string | undefined {
  if (!/^[^\\/:*?"<>|\u0000-\u001f]+\.exe$/i.test(alias)) return 'must be a file name ending in .exe, without a folder (e.g. hello.exe)';
  return undefined;
}

/** A BCP-47 language tag as a manifest's Resource takes it. */
export function languageProblem(language: string): string | undefined {
  return /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(language) ? undefined : `"${language}" is not a language tag (e.g. en-us)`;
}
