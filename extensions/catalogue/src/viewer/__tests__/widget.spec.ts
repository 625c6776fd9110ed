import { MESSAGE_MIME, MODEL } from '../files';
import { NexusModelFactory, ViewerOutputModel } from '../widget';

describe('NexusModelFactory', () => {
  it('never asks the contents API for the file content', () => {
    const factory = new NexusModelFactory();
    expect(factory.name).toBe(MODEL);
    expect(factory.fileFormat).toBeNull();
    expect(factory.contentType).toBe('file');
    expect(factory.collaborative).toBe(false);
  });
});

describe('ViewerOutputModel', () => {
  it('turns a kernel error into one message, without the traceback', () => {
    const model = new ViewerOutputModel({ trusted: true });
    model.add({
      output_type: 'error',
      ename: 'PermissionError',
      evalue: "[Errno 13] Permission denied: '/data/x.nxs'",
      traceback: ['\u001b[0;31m---------\u001b[0m', 'a very long traceback']
    });
    expect(model.length).toBe(1);
    const output = model.get(0);
    expect(output.type).toBe('display_data');
    expect(output.data[MESSAGE_MIME]).toEqual({
      message: "PermissionError: [Errno 13] Permission denied: '/data/x.nxs'"
    });
    expect(JSON.stringify(output.toJSON())).not.toContain('traceback');
  });
  it('keeps other outputs as they are', () => {
    const model = new ViewerOutputModel({ trusted: true });
    model.add({ output_type: 'stream', name: 'stdout', text: 'hi' });
    expect(model.get(0).type).toBe('stream');
  });
});
