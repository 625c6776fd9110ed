import {
  describeError,
  isNexusPath,
  makeCloseCode,
  makeOpenCode,
  MESSAGE_MIME,
  normalize,
  pythonString,
  stripAnsi,
  toContentsPath
} from '../files';

describe('isNexusPath', () => {
  it.each([
    ['data/20260001/raw/scan.nxs', true],
    ['scan.NX5', true],
    ['a/b.h5', true],
    ['x.HDF5', true],
    ['cxi/run.cxi', true],
    ['notes.txt', false],
    ['scan.nxs.txt', false],
    ['.h5', false],
    ['h5', false],
    ['dir.h5/readme', false]
  ])('%s -> %s', (path, expected) => {
    expect(isNexusPath(path)).toBe(expected);
  });
});

describe('normalize', () => {
  it.each([
    ['/data//x/./y.nxs/', 'data/x/y.nxs'],
    ['a/b/../c', 'a/c'],
    ['', ''],
    ['/', ''],
    ['../etc/passwd', null],
    ['a/../../b', null]
  ])('%s -> %s', (path, expected) => {
    expect(normalize(path)).toBe(expected);
  });
});

describe('toContentsPath', () => {
  it('keeps a contents path', () => {
    expect(toContentsPath('data/T1/raw/x.nxs', '/')).toBe('data/T1/raw/x.nxs');
  });
  it('maps an absolute path under the root /', () => {
    expect(toContentsPath('/data/T1/raw/x.nxs', '/')).toBe('data/T1/raw/x.nxs');
  });
  it('maps an absolute path under another root', () => {
    expect(toContentsPath('/home/alice/x.h5', '/home/alice')).toBe('x.h5');
    expect(toContentsPath('/home/alice/', '/home/alice/')).toBe('');
  });
  it('refuses a path outside the root', () => {
    expect(toContentsPath('/data/x.nxs', '/home/alice')).toBeNull();
    expect(toContentsPath('/home/alicex/x.nxs', '/home/alice')).toBeNull();
    expect(toContentsPath('/home/alice/../bob/x.nxs', '/home/alice')).toBeNull();
  });
  it('refuses a contents path climbing out', () => {
    expect(toContentsPath('../x.nxs', '/')).toBeNull();
  });
});

describe('kernel code', () => {
  it('quotes any path as a Python string', () => {
    expect(pythonString('/data/a "b"\\c\n.nxs')).toBe(
      '"/data/a \\"b\\"\\\\c\\n.nxs"'
    );
  });
  it('opens the viewer under its key and shows messages, not tracebacks', () => {
    const code = makeOpenCode('k-1', "/data/it's.nxs");
    expect(code).toContain('NexusViewer(path)');
    expect(code).toContain('_panhub_viewers[key] = viewer');
    expect(code).toContain(`"${MESSAGE_MIME}"`);
    expect(code.split('\n').slice(-2)).toEqual([
      `_panhub_open("k-1", "/data/it's.nxs")`,
      'del _panhub_open'
    ]);
  });
  it('closes the viewer of a key', () => {
    expect(makeCloseCode('k"2')).toContain('_panhub_viewers.pop("k\\"2").close()');
  });
});

describe('describeError', () => {
  it('keeps the name and value, drops colours', () => {
    expect(
      describeError('FileNotFoundError', '\u001b[0;31m/x.nxs\u001b[0m')
    ).toBe('FileNotFoundError: /x.nxs');
    expect(describeError('', '')).toBe('The kernel reported an error.');
    expect(describeError('KeyboardInterrupt', '')).toBe('KeyboardInterrupt');
  });
  it('stripAnsi', () => {
    expect(stripAnsi('\u001b[1;32mok\u001b[0m')).toBe('ok');
  });
});
