/**
 * A process that campaigns for an owner on etcd and, once elected, prints
 * `leading` and holds the lease until it is killed: what a `berth run`
 * leader is to the election, without the rest of the daemon, so a test can
 * `kill -9` it. Arguments: etcd URL (etcd://…), owner, instance, TTL seconds.
 */
import pino from "pino";
import { openEtcd } from "../../reconciler/lease/etcd-client.ts";
import { EtcdElection } from "../../reconciler/lease/etcd-election.ts";

const [lock, owner, instance, ttl] = process.argv.slice(2);
const election = new EtcdElection({ etcd: openEtcd({ lock: lock! }), owner: owner!, instance: instance!, ttlS: Number(ttl), log: pino({ level: "silent" }) });
election.onChange((s) => s.leader && process.stdout.write("leading\n"));
await election.start();
setInterval(() => undefined, 60_000);
