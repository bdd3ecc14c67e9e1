import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FailoverStateStore, newFailoverId, newFailoverState } from '../../../lib/ops/failover-state';
import type { FailoverPlan } from '../../../lib/ops/failover-plan';
import { scratchDir } from '../../helpers/scratch-dir';

const NOW = new Date('2025-06-01T12:00:00Z');
const PLAN = { flavor: 'us-australia', from: 'us-east-1', to: 'ap-southeast-2', restores: [], promotions: [] } as unknown as FailoverPlan;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(scratchDir(), 'flavors-state-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('FailoverStateStore', () => {
  test('writes the whole state atomically and reads it back', () => {
    // Given a new state
    const store = new FailoverStateStore(path.join(dir, '.flavors'), 'us-australia');
    const state = newFailoverState(PLAN, 'fo-1', false, NOW);

    // When written
    store.write(state, NOW);

    // Then the file holds it, no temp file is left, and only the owner can read it
    expect(store.file).toBe(path.join(dir, '.flavors', 'failover-us-australia.json'));
    expect(store.read()).toEqual(state);
    expect(fs.readdirSync(path.join(dir, '.flavors'))).toEqual(['failover-us-australia.json']);
    expect(fs.statSync(store.file).mode & 0o777).toBe(0o600);
    expect(state.steps).toEqual({
      fence: { status: 'pending' },
      restore: { status: 'pending' },
      dns: { status: 'pending' },
      verify: { status: 'pending' },
    });
  });

  test('Given a state file written before k8s databases were failed over, When read, Then it has an empty k8s record and resumes', () => {
    const store = new FailoverStateStore(dir, 'us-australia');
    const { k8s, ...older } = newFailoverState(PLAN, 'fo-1', false, NOW);
    expect(k8s).toEqual({});
    fs.writeFileSync(store.file, JSON.stringify(older));
    expect(store.read()).toMatchObject({ failoverId: 'fo-1', k8s: {} });
  });

  test('a half-written temp file never replaces the state', () => {
    const store = new FailoverStateStore(dir, 'us-australia');
    store.write(newFailoverState(PLAN, 'fo-1', false, NOW), NOW);
    // A crash mid-write leaves only a temp file; the state file is untouched
    fs.writeFileSync(`${store.file}.99999.tmp`, '{"version": 1, "fl');
    expect(store.read()?.failoverId).toBe('fo-1');
  });

  test('no file reads as no failover; a corrupt or foreign file is FAILOVER_STATE_CORRUPT', () => {
    const store = new FailoverStateStore(dir, 'us-australia');
    expect(store.read()).toBeUndefined();
    fs.writeFileSync(store.file, '{ nope');
    expect(() => store.read()).toThrow(expect.objectContaining({ code: 'FAILOVER_STATE_CORRUPT' }));
    fs.writeFileSync(store.file, JSON.stringify({ ...newFailoverState(PLAN, 'fo-1', false, NOW), flavor: 'global' }));
    expect(() => store.read()).toThrow('is not a version 1 failover state of us-australia');
  });

  test('archive moves a finished state aside under its id', () => {
    const store = new FailoverStateStore(dir, 'us-australia');
    const state = newFailoverState(PLAN, 'fo-1', false, NOW);
    store.write(state, NOW);
    expect(path.basename(store.archive(state))).toBe('failover-us-australia-fo-1.json');
    expect(store.read()).toBeUndefined();
  });
});

describe('local lock', () => {
  test('a second run cannot take it while the first holds it; release frees it', () => {
    const store = new FailoverStateStore(dir, 'us-australia');
    const lock = store.lock(NOW);
    expect(() => store.lock(NOW)).toThrow(
      expect.objectContaining({ code: 'FAILOVER_LOCKED', message: expect.stringContaining(`pid ${process.pid}`) }),
    );
    lock.release();
    lock.release();
    store.lock(NOW).release();
    expect(fs.existsSync(store.lockFile)).toBe(false);
  });

  test('a lock left by a process that is gone is taken over', () => {
    // Given a lock file written by a process that has exited
    const store = new FailoverStateStore(dir, 'us-australia');
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf-8' });
    fs.writeFileSync(store.lockFile, JSON.stringify({ pid: Number(child.stdout), host: os.hostname(), startedAt: NOW.toISOString() }));

    // When a new run locks, then it gets the lock
    const lock = store.lock(NOW);
    expect(JSON.parse(fs.readFileSync(store.lockFile, 'utf-8')).pid).toBe(process.pid);
    lock.release();
  });

  test('a lock held on another host is respected', () => {
    const store = new FailoverStateStore(dir, 'us-australia');
    fs.writeFileSync(store.lockFile, JSON.stringify({ pid: 1, host: 'bastion-2', startedAt: NOW.toISOString() }));
    expect(() => store.lock(NOW)).toThrow('(pid 1 on bastion-2');
  });
});

test('newFailoverId is sortable by time and fits an EC2 client token', () => {
  expect(newFailoverId(NOW, () => 0.5)).toBe('fo-20250601T120000Z-8000');
  expect(newFailoverId(NOW).length).toBeLessThan(40);
});
