// The tables a native package writes: their columns in the types Windows Installer stores
// (IDT notation, as `msiinfo export` prints them: s72 = string of at most 72 characters, S = the
// same but nullable, l/L = localizable, i2/I2 = 16-bit integer, i4/I4 = 32-bit, v0 = binary
// stream), the primary key, and what _Validation says of each column (category, foreign key,
// range). Column definitions follow the Windows Installer SDK's database reference (the same
// ones WiX's tables.xml and msitools' wixl use).

export type ColumnCategory =
  | 'Identifier'
  | 'Text'
  | 'Formatted'
  | 'Filename'
  | 'WildCardFilename'
  | 'Guid'
  | 'Version'
  | 'Language'
  | 'Condition'
  | 'DefaultDir'
  | 'RegPath'
  | 'Property'
  | 'Cabinet'
  | 'Shortcut'
  | 'FormattedSDDLText'
  | 'UpperCase'
  | 'CustomSource'
  | 'Binary'
  | 'KeyFormatted';

export interface ColumnSpec {
  name: string;
  /** IDT type: s72, S255, l0, L64, i2, I2, i4, I4, v0. */
  type: string;
  key?: true;
  category?: ColumnCategory;
  /** The table (;-separated list) this column refers to, and which of its key columns (1-based). */
  keyTable?: string;
  keyColumn?: number;
  min?: number;
  max?: number;
  /** Allowed values, for _Validation's Set. */
  set?: string;
}

export interface TableSpec {
  name: string;
  columns: readonly ColumnSpec[];
}

const id = (name: string, type = 's72', extra: Partial<ColumnSpec> = {}): ColumnSpec => ({ name, type, category: 'Identifier', ...extra });
const ref = (name: string, table: string, type = 's72', column = 1): ColumnSpec => ({ name, type, category: 'Identifier', keyTable: table, keyColumn: column });
const key = (c: ColumnSpec): ColumnSpec => ({ ...c, key: true });

const sequence = (name: string): TableSpec => ({
  name,
  columns: [key(id('Action')), { name: 'Condition', type: 'S255', category: 'Condition' }, { name: 'Sequence', type: 'I2', min: -4, max: 32767 }],
});

export const TABLES = {
  Property: { name: 'Property', columns: [key(id('Property')), { name: 'Value', type: 'l0', category: 'Text' }] },
  Directory: {
    name: 'Directory',
    columns: [key(id('Directory')), ref('Directory_Parent', 'Directory', 'S72'), { name: 'DefaultDir', type: 'l255', category: 'DefaultDir' }],
  },
  Component: {
    name: 'Component',
    columns: [
      key(id('Component')),
      { name: 'ComponentId', type: 'S38', category: 'Guid' },
      ref('Directory_', 'Directory'),
      { name: 'Attributes', type: 'i2', min: 0, max: 32767 },
      { name: 'Condition', type: 'S255', category: 'Condition' },
      { name: 'KeyPath', type: 'S72', category: 'Identifier', keyTable: 'File;Registry;ODBCDataSource', keyColumn: 1 },
    ],
  },
  Feature: {
    name: 'Feature',
    columns: [
      key(id('Feature', 's38')),
      ref('Feature_Parent', 'Feature', 'S38'),
      { name: 'Title', type: 'L64', category: 'Text' },
      { name: 'Description', type: 'L255', category: 'Text' },
      { name: 'Display', type: 'I2', min: 0, max: 32767 },
      { name: 'Level', type: 'i2', min: 0, max: 32767 },
      { name: 'Directory_', type: 'S72', category: 'UpperCase', keyTable: 'Directory', keyColumn: 1 },
      { name: 'Attributes', type: 'i2', set: '0;1;2;4;5;6;8;9;10;16;17;18;20;21;22;24;25;26;32;33;34;36;37;38;48;49;50;52;53;54' },
    ],
  },
  FeatureComponents: { name: 'FeatureComponents', columns: [key(ref('Feature_', 'Feature', 's38')), key(ref('Component_', 'Component'))] },
  File: {
    name: 'File',
    columns: [
      key(id('File')),
      ref('Component_', 'Component'),
      { name: 'FileName', type: 'l255', category: 'Filename' },
      { name: 'FileSize', type: 'i4', min: 0, max: 2147483647 },
      { name: 'Version', type: 'S72', category: 'Version', keyTable: 'File', keyColumn: 1 },
      { name: 'Language', type: 'S20', category: 'Language' },
      { name: 'Attributes', type: 'I2', min: 0, max: 32767 },
      { name: 'Sequence', type: 'i4', min: 1, max: 2147483647 },
    ],
  },
  MsiFileHash: {
    name: 'MsiFileHash',
    columns: [
      key(ref('File_', 'File')),
      { name: 'Options', type: 'i2', min: 0, max: 0 },
      { name: 'HashPart1', type: 'i4' },
      { name: 'HashPart2', type: 'i4' },
      { name: 'HashPart3', type: 'i4' },
      { name: 'HashPart4', type: 'i4' },
    ],
  },
  Media: {
    name: 'Media',
    columns: [
      key({ name: 'DiskId', type: 'i2', min: 1, max: 32767 }),
      { name: 'LastSequence', type: 'i4', min: 0, max: 2147483647 },
      { name: 'DiskPrompt', type: 'L64', category: 'Text' },
      { name: 'Cabinet', type: 'S255', category: 'Cabinet' },
      { name: 'VolumeLabel', type: 'S32', category: 'Text' },
      { name: 'Source', type: 'S72', category: 'Property' },
    ],
  },
  CreateFolder: { name: 'CreateFolder', columns: [key(ref('Directory_', 'Directory')), key(ref('Component_', 'Component'))] },
  RemoveFile: {
    name: 'RemoveFile',
    columns: [
      key(id('FileKey')),
      ref('Component_', 'Component'),
      { name: 'FileName', type: 'L255', category: 'WildCardFilename' },
      { name: 'DirProperty', type: 's72', category: 'Identifier' },
      { name: 'InstallMode', type: 'i2', set: '1;2;3' },
    ],
  },
  Registry: {
    name: 'Registry',
    columns: [
      key(id('Registry')),
      { name: 'Root', type: 'i2', min: -1, max: 3 },
      { name: 'Key', type: 'l255', category: 'RegPath' },
      { name: 'Name', type: 'L255', category: 'Formatted' },
      { name: 'Value', type: 'L0', category: 'Formatted' },
      ref('Component_', 'Component'),
    ],
  },
  Shortcut: {
    name: 'Shortcut',
    columns: [
      key(id('Shortcut')),
      ref('Directory_', 'Directory'),
      { name: 'Name', type: 'l128', category: 'Filename' },
      ref('Component_', 'Component'),
      { name: 'Target', type: 's72', category: 'Shortcut' },
      { name: 'Arguments', type: 'S255', category: 'Formatted' },
      { name: 'Description', type: 'L255', category: 'Text' },
      { name: 'Hotkey', type: 'I2', min: 0, max: 32767 },
      ref('Icon_', 'Icon', 'S72'),
      { name: 'IconIndex', type: 'I2', min: -32767, max: 32767 },
      { name: 'ShowCmd', type: 'I2', set: '1;3;7' },
      { name: 'WkDir', type: 'S72', category: 'Identifier' },
    ],
  },
  Environment: {
    name: 'Environment',
    columns: [key(id('Environment')), { name: 'Name', type: 'l255', category: 'Text' }, { name: 'Value', type: 'L255', category: 'Formatted' }, ref('Component_', 'Component')],
  },
  ServiceInstall: {
    name: 'ServiceInstall',
    columns: [
      key(id('ServiceInstall')),
      { name: 'Name', type: 's255', category: 'Formatted' },
      { name: 'DisplayName', type: 'L255', category: 'Formatted' },
      { name: 'ServiceType', type: 'i4', min: -2147483647, max: 2147483647 },
      { name: 'StartType', type: 'i4', min: 0, max: 4 },
      { name: 'ErrorControl', type: 'i4', min: -2147483647, max: 2147483647 },
      { name: 'LoadOrderGroup', type: 'S255', category: 'Formatted' },
      { name: 'Dependencies', type: 'S255', category: 'Formatted' },
      { name: 'StartName', type: 'S255', category: 'Formatted' },
      { name: 'Password', type: 'S255', category: 'Formatted' },
      { name: 'Arguments', type: 'S255', category: 'Formatted' },
      ref('Component_', 'Component'),
      { name: 'Description', type: 'L255', category: 'Text' },
    ],
  },
  ServiceControl: {
    name: 'ServiceControl',
    columns: [
      key(id('ServiceControl')),
      { name: 'Name', type: 'l255', category: 'Formatted' },
      { name: 'Event', type: 'i2', min: 0, max: 187 },
      { name: 'Arguments', type: 'L255', category: 'Formatted' },
      { name: 'Wait', type: 'I2', min: 0, max: 1 },
      ref('Component_', 'Component'),
    ],
  },
  Upgrade: {
    name: 'Upgrade',
    columns: [
      key({ name: 'UpgradeCode', type: 's38', category: 'Guid' }),
      key({ name: 'VersionMin', type: 'S20', category: 'Text' }),
      key({ name: 'VersionMax', type: 'S20', category: 'Text' }),
      key({ name: 'Language', type: 'S255', category: 'Text' }),
      key({ name: 'Attributes', type: 'i4', min: 0, max: 2147483647 }),
      { name: 'Remove', type: 'S255', category: 'Formatted' },
      { name: 'ActionProperty', type: 's72', category: 'UpperCase' },
    ],
  },
  CustomAction: {
    name: 'CustomAction',
    columns: [
      key(id('Action')),
      { name: 'Type', type: 'i2', min: 1, max: 32767 },
      { name: 'Source', type: 'S72', category: 'CustomSource' },
      { name: 'Target', type: 'S255', category: 'Formatted' },
      { name: 'ExtendedType', type: 'I4', min: 0, max: 2147483647 },
    ],
  },
  LaunchCondition: { name: 'LaunchCondition', columns: [key({ name: 'Condition', type: 's255', category: 'Condition' }), { name: 'Description', type: 'l255', category: 'Formatted' }] },
  Icon: { name: 'Icon', columns: [key(id('Name')), { name: 'Data', type: 'v0', category: 'Binary' }] },
  InstallExecuteSequence: sequence('InstallExecuteSequence'),
  InstallUISequence: sequence('InstallUISequence'),
  AdminExecuteSequence: sequence('AdminExecuteSequence'),
  AdminUISequence: sequence('AdminUISequence'),
  AdvtExecuteSequence: sequence('AdvtExecuteSequence'),
  Validation: {
    name: '_Validation',
    columns: [
      key(id('Table', 's32')),
      key(id('Column', 's32')),
      { name: 'Nullable', type: 's4', set: 'Y;N' },
      { name: 'MinValue', type: 'I4', min: -2147483647, max: 2147483647 },
      { name: 'MaxValue', type: 'I4', min: -2147483647, max: 2147483647 },
      { name: 'KeyTable', type: 'S255', category: 'Identifier' },
      { name: 'KeyColumn', type: 'I2', min: 1, max: 32 },
      { name: 'Category', type: 'S32', category: 'Text' },
      { name: 'Set', type: 'S255', category: 'Text' },
      { name: 'Description', type: 'S255', category: 'Text' },
    ],
  },
} satisfies Record<string, TableSpec>;

export type TableName = keyof typeof TABLES;
