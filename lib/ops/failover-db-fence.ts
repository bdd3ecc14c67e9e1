import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupsCommand,
  RevokeSecurityGroupIngressCommand,
  type EC2Client,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import type { Client, PoolClient } from 'pg';
import { FlavorsError } from '../errors';
import { bumpFenceEpoch, installFence, type FencePool } from '../fence';
import { LOOKUP_DEFAULTS } from '../lookup/runtime/defaults';
import { connect, type ConnectionResolver, type DatabaseRef } from './connections';
import { OPS_DEFAULTS } from './defaults';
import type { DbFencePlan } from './failover-db-fence-plan';
import { pollUntil, type PollOptions, type Sleep } from './poll';

/** Ingress rules the failover revoked on one security group, kept so `--abort` can authorize them again. */
export interface RevokedIngress {
  groupId: string;
  permissions: IpPermission[];
  reauthorized?: boolean;
}

/** The old primary's database: fenced in the database, cut off at its security groups, or neither. */
export interface SourceFenceState {
  status: 'fenced' | 'isolated' | 'exposed';
  detail: string;
  revoked: RevokedIngress[];
}

/** Per database (by name), what the failover did to the fences; part of the state file. */
export interface DbFenceState {
  /** ISO time after which no token of the old epochs verifies any more (the last lookup fence + lifetime + clock tolerance). */
  oldTokensExpireAt?: string;
  source: Record<string, SourceFenceState>;
  target: Record<string, { done: boolean; spaces?: number }>;
}

/** A space's fence as the failover sets it: its new epoch and home. */
export interface SpaceFence {
  readonly spaceId: string;
  readonly epoch: number;
  readonly homeRegion: string;
}

export interface DbFenceContext {
  readonly flavor: string;
  readonly from: string;
  readonly to: string;
  readonly plans: readonly DbFencePlan[];
  readonly spaces: readonly SpaceFence[];
  readonly state: DbFenceState;
  readonly connections: ConnectionResolver;
  /** EC2 client of the old primary's region. */
  readonly sourceEc2: EC2Client;
  readonly poll: PollOptions;
  readonly sleep: Sleep;
  readonly now: () => Date;
  readonly save: () => void;
  readonly log: (line: string) => void;
  /** Throws once the operator pressed Ctrl-C (state saved). */
  readonly checkStop: () => void;
}

const TOKEN_LIFETIME_MS = (LOOKUP_DEFAULTS.maxTokenTtlSeconds + LOOKUP_DEFAULTS.clockToleranceSeconds) * 1000;
const TOKEN_WAIT_SLICE_MS = 5000;

function errorText(err: unknown): string {
  return err instanceof FlavorsError ? err.message : err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** bumpFenceEpoch takes a pool; the failover bumps one space after another over one connection. */
function onePool(client: Client): FencePool {
  return { connect: () => Promise.resolve(Object.assign(client, { release: () => undefined }) as unknown as PoolClient) };
}

async function openDb(ctx: DbFenceContext, ref: DatabaseRef): Promise<Client> {
  return connect(ref, await ctx.connections(ref), { connectTimeoutMs: OPS_DEFAULTS.dbFenceConnectTimeoutMs });
}

async function bumpAll(client: Client, spaces: readonly SpaceFence[]): Promise<number> {
  const pool = onePool(client);
  await installFence(pool);
  let changed = 0;
  for (const s of spaces) if ((await bumpFenceEpoch(pool, s.spaceId, s.epoch, s.homeRegion)).changed) changed += 1;
  return changed;
}

/** Whether an ingress permission admits TCP `port`. */
function admits(p: IpPermission, port: number): boolean {
  if (p.IpProtocol === '-1' || p.IpProtocol === 'all') return true;
  return (p.IpProtocol === 'tcp' || p.IpProtocol === '6') && (p.FromPort ?? 0) <= port && port <= (p.ToPort ?? 65535);
}

/** Revokes every ingress rule admitting the database port on the plan's groups, recording each before it goes. */
async function isolate(ctx: DbFenceContext, plan: DbFencePlan, entry: SourceFenceState): Promise<string> {
  const isolation = plan.isolation;
  if (!isolation || isolation.securityGroupIds.length === 0)
    throw new FlavorsError('FAILOVER_NO_SECURITY_GROUP', `no security group of ${plan.database} in ${ctx.from} is known`);
  const out = await ctx.sourceEc2.send(new DescribeSecurityGroupsCommand({ GroupIds: [...isolation.securityGroupIds] }));
  let cut = 0;
  for (const group of out.SecurityGroups ?? []) {
    const permissions = (group.IpPermissions ?? []).filter((p) => admits(p, isolation.port));
    if (permissions.length === 0) continue;
    // On disk before the call: a crash right after it still leaves --abort what to authorize again.
    entry.revoked.push({ groupId: group.GroupId!, permissions });
    ctx.save();
    await ctx.sourceEc2.send(new RevokeSecurityGroupIngressCommand({ GroupId: group.GroupId!, IpPermissions: permissions }));
    cut += permissions.length;
  }
  return `revoked ${cut} ingress rule(s) on port ${isolation.port} of ${isolation.securityGroupIds.join(', ')}`;
}

/**
 * Step 1, after the lookup table: bumps the fence of every fenced space in each database of the old
 * primary. A database that does not answer (or cannot be fenced) has its ingress on the database
 * port cut instead. Best effort: nothing here stops the failover; each outcome is logged and recorded.
 */
export async function fenceOldPrimary(ctx: DbFenceContext): Promise<void> {
  const expires = new Date(ctx.now().getTime() + TOKEN_LIFETIME_MS);
  if (!ctx.state.oldTokensExpireAt || new Date(ctx.state.oldTokensExpireAt) < expires) ctx.state.oldTokensExpireAt = expires.toISOString();
  for (const plan of ctx.plans) {
    const entry = (ctx.state.source[plan.database] ??= { status: 'exposed', detail: 'not tried', revoked: [] });
    const ref = { flavor: ctx.flavor, region: ctx.from, database: plan.database };
    try {
      const client = await openDb(ctx, ref);
      try {
        const changed = await bumpAll(client, ctx.spaces);
        Object.assign(entry, { status: 'fenced', detail: `${ctx.spaces.length} space(s) at their new epoch (${changed} changed)` });
      } finally {
        await client.end().catch(() => undefined);
      }
      ctx.log(`${plan.database} in ${ctx.from}: flavors_fence bumped for ${entry.detail}`);
    } catch (err) {
      const why = errorText(err);
      if (plan.platform === 'k8s') {
        // No security group in front of a k8s database: its cluster's demotion (next) stops its writes.
        Object.assign(entry, { status: 'exposed', detail: `database: ${why}; its cluster's demotion follows` });
        ctx.log(`${plan.database} in ${ctx.from}: database not fenced (${why}); its cluster is demoted next`);
        ctx.save();
        continue;
      }
      ctx.log(`${plan.database} in ${ctx.from}: database not fenced (${why}); cutting its ingress`);
      try {
        Object.assign(entry, { status: 'isolated', detail: `${await isolate(ctx, plan, entry)} (database: ${why})` });
      } catch (cutErr) {
        Object.assign(entry, { status: 'exposed', detail: `database: ${why}; ingress: ${errorText(cutErr)}` });
      }
      ctx.log(`${plan.database} in ${ctx.from}: ${entry.status}: ${entry.detail}`);
    }
    ctx.save();
  }
}

/**
 * Step 2, after the restore: bumps the fence of every fenced space in each target database, before
 * DNS sends writes there. When an old primary database was not fenced in the database itself (cut
 * off at best: security groups keep established connections), it first waits until no token of
 * the old epoch verifies any more, so the two regions never take writes at the same time.
 */
export async function fenceTargets(ctx: DbFenceContext): Promise<void> {
  const unfenced = ctx.plans.filter((p) => ctx.state.source[p.database]?.status !== 'fenced' && !ctx.state.target[p.database]?.done);
  if (unfenced.length > 0 && ctx.state.oldTokensExpireAt) {
    const waitMs = new Date(ctx.state.oldTokensExpireAt).getTime() - ctx.now().getTime();
    if (waitMs > 0) {
      ctx.log(
        `${unfenced.map((p) => p.database).join(', ')} in ${ctx.from} not fenced in the database: ` +
          `waiting ${Math.ceil(waitMs / 1000)} s until tokens of the old epoch expire (${ctx.state.oldTokensExpireAt})`,
      );
      // In slices, so Ctrl-C is honoured during the wait; a rerun waits only for what is left.
      for (let left = waitMs; left > 0; left -= TOKEN_WAIT_SLICE_MS) {
        ctx.checkStop();
        await ctx.sleep(Math.min(TOKEN_WAIT_SLICE_MS, left));
      }
    }
  }
  for (const plan of ctx.plans) {
    if (ctx.state.target[plan.database]?.done) continue;
    const ref = { flavor: ctx.flavor, region: ctx.to, database: plan.database };
    // The restored node or promoted replica may still be starting.
    const client = await pollUntil(
      `${plan.target.key} accepting connections`,
      async () => {
        try {
          return await openDb(ctx, ref);
        } catch (err) {
          if (err instanceof FlavorsError && err.code === 'CONNECTION_FAILED') return undefined;
          throw err;
        }
      },
      ctx.poll,
    );
    try {
      const changed = await bumpAll(client, ctx.spaces);
      ctx.state.target[plan.database] = { done: true, spaces: ctx.spaces.length };
      ctx.save();
      ctx.log(`${plan.database} in ${ctx.to}: flavors_fence bumped for ${ctx.spaces.length} space(s) (${changed} changed)`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** Verify: each target database has every fenced space at (at least) its new epoch. */
export async function checkTargetFences(ctx: Pick<DbFenceContext, 'flavor' | 'to' | 'plans' | 'spaces' | 'connections'>): Promise<string[]> {
  const problems: string[] = [];
  for (const plan of ctx.plans) {
    const client = await connect(
      { flavor: ctx.flavor, region: ctx.to, database: plan.database },
      await ctx.connections({ flavor: ctx.flavor, region: ctx.to, database: plan.database }),
      { connectTimeoutMs: OPS_DEFAULTS.dbFenceConnectTimeoutMs },
    );
    try {
      const { rows } = await client.query<{ space_id: string; epoch: string }>('SELECT space_id, epoch FROM flavors_fence WHERE space_id = ANY($1)', [
        ctx.spaces.map((s) => s.spaceId),
      ]);
      const epochs = new Map(rows.map((r) => [r.space_id, Number(r.epoch)]));
      const behind = ctx.spaces.filter((s) => (epochs.get(s.spaceId) ?? 0) < s.epoch);
      if (behind.length > 0)
        problems.push(
          `${plan.target.key}: flavors_fence of ${behind.length} space(s) below their new epoch (${behind
            .slice(0, 5)
            .map((s) => s.spaceId)
            .join(', ')})`,
        );
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return problems;
}

/**
 * `--abort`: authorizes again every ingress rule the failover revoked (a rule already back is left
 * alone). A region whose API does not answer keeps its rules recorded, and the lines say how to
 * restore them by hand.
 */
export async function reauthorizeIngress(state: DbFenceState, sourceEc2: EC2Client, save: () => void): Promise<string[]> {
  const lines: string[] = [];
  for (const [database, entry] of Object.entries(state.source)) {
    for (const r of entry.revoked.filter((x) => !x.reauthorized)) {
      try {
        for (const permission of r.permissions) {
          try {
            await sourceEc2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: r.groupId, IpPermissions: [permission] }));
          } catch (err) {
            if (!(err instanceof Error && err.name === 'InvalidPermission.Duplicate')) throw err;
          }
        }
        r.reauthorized = true;
        save();
        lines.push(`  ingress: ${database}: ${r.permissions.length} rule(s) on ${r.groupId} authorized again.`);
      } catch (err) {
        lines.push(
          `  ingress: ${database}: could not authorize ${r.groupId} again (${errorText(err)}); ` +
            `restore it by hand: aws ec2 authorize-security-group-ingress --group-id ${r.groupId} ` +
            `--ip-permissions '${JSON.stringify(r.permissions)}'`,
        );
      }
    }
  }
  return lines;
}
