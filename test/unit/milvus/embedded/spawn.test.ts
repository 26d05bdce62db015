import { describe, expect, it } from 'vitest';
import { serverArgs } from '../../../../src/milvus/embedded/spawn.js';

describe('serverArgs', () => {
  const TUNING = [
    '--extra-config',
    'proxy.timeTickInterval=50',
    '--extra-config',
    'queryCoord.checkInterval=200',
    '--extra-config',
    'queryCoord.distPullInterval=100',
  ];
  it('passes data folder and port, and turns authorization on only when asked', () => {
    expect(serverArgs('/v/bin/milvus-server', '/d', 19530, false)).toEqual([
      '/v/bin/milvus-server',
      '--data',
      '/d',
      '--proxy-port',
      '19530',
      '--extra-config',
      'common.session.ttl=5',
      '--extra-config',
      'common.gracefulStopTimeout=3',
      ...TUNING,
    ]);
    expect(serverArgs('/v/bin/milvus-server', '/d', 19531, true)).toEqual([
      '/v/bin/milvus-server',
      '--data',
      '/d',
      '--proxy-port',
      '19531',
      '--extra-config',
      'common.session.ttl=5',
      '--extra-config',
      'common.gracefulStopTimeout=3',
      ...TUNING,
      '--authorization-enabled',
      'true',
    ]);
  });
});
