import { expect } from 'chai';
import { checkBasicAuth } from '../../lib/admin/basic-auth.js';
import { basicAuth } from '../helpers/http.js';

describe('admin basic auth', () => {
  const expected = { username: 'ops', password: 'pä:ss wörd' };

  it('accepts exactly the configured user and password, UTF-8 and colons in the password included', () => {
    expect(checkBasicAuth(basicAuth('ops', 'pä:ss wörd'), expected)).to.equal(true);
    expect(checkBasicAuth('basic ' + Buffer.from('ops:pä:ss wörd').toString('base64'), expected)).to.equal(true);
  });

  it('refuses anything else', () => {
    const refused = [
      undefined,
      '',
      'Basic',
      'Basic ',
      'Bearer ' + Buffer.from('ops:pä:ss wörd').toString('base64'),
      'Basic ' + Buffer.from('ops').toString('base64'),
      basicAuth('ops', 'pä:ss wörd '),
      basicAuth('ops', 'pä:ss'),
      basicAuth('Ops', 'pä:ss wörd'),
      basicAuth('', ''),
    ];
    for (const header of refused) expect(checkBasicAuth(header, expected), String(header)).to.equal(false);
  });
});
