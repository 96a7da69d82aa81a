import type { AppName } from "@repo/build";
import { apiPaths } from "@repo/shared";
import autocannon from "autocannon";
import type Docker from "dockerode";
import type { RunningImage } from "./image-under-test.ts";

/**
 * The load every catalogue image takes: a fixed count of requests, so a run does the same work on
 * any machine, from more connections than a server has workers, so requests queue and overlap.
 */
export const loadProfile = { amount: 2000, connections: 32 } as const;

/** Each app's main route. The api's is a GET, so its in-memory message store does not grow. */
const mainRoutes: Record<AppName, string> = { web: "/", api: apiPaths.messages };

const MiB = 1024 ** 2;

/**
 * What a container may use after the load, counted as `docker stats` counts it. Measured on 2 CPUs
 * (Docker 20.10, cgroup v1) — in the suite, one load on a fresh container; by hand, repeated loads:
 * - api: 56–60 MiB in the suite; 60–89 MiB by hand (host-built's node_modules add page cache),
 *   once 113 MiB before V8 collected garbage. 160 MiB leaves room for that lazy collection; a
 *   leak of more than ~50 KiB per request still crosses it.
 * - web: 4 MiB in the suite, 7 MiB by hand, with 2 workers. nginx starts one worker per CPU
 *   (`worker_processes auto`) at 1–2 MiB each, so 64 MiB holds on runners of up to ~32 CPUs.
 */
export const memoryCeilingBytes: Record<AppName, number> = { api: 160 * MiB, web: 64 * MiB };

/** A request still unanswered after this long on loopback counts as a timeout. */
const requestTimeoutSeconds = 5;
/** The run is stopped here whatever it has done, so it ends even against a server that hangs. */
const loadDeadlineSeconds = 30;

export interface LoadMeasurement {
  route: string;
  result: autocannon.Result;
  memoryBeforeBytes: number;
  memoryAfterBytes: number;
}

const loopbackHosts = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * A container's memory as `docker stats` shows it: usage without the inactive page cache, which
 * the kernel drops before it would fail an allocation.
 */
async function memoryUsageBytes(container: Docker.Container): Promise<number> {
  // The engine sends an empty object when it cannot read the container's memory cgroup.
  const { usage, stats } = (await container.stats({ stream: false, "one-shot": true }))
    .memory_stats as Partial<Docker.MemoryStats>;
  if (usage === undefined) {
    throw new Error(
      `The Docker engine reports no memory usage for container ${container.id}, so the load ` +
        "check cannot prove memory stays bounded. Enable the kernel's memory cgroup controller " +
        "(cgroup v1: boot with cgroup_enable=memory; rootless Docker on cgroup v2: delegate the " +
        "memory controller) and run the suite again.",
    );
  }
  // cgroup v1 names the figure total_inactive_file, cgroup v2 inactive_file.
  return usage - (stats?.total_inactive_file ?? stats?.inactive_file ?? 0);
}

/**
 * Sends the load profile's requests to the image's main route and reads the container's memory
 * before and after. Only loopback targets are accepted: the check must never load another host.
 */
export async function measureLoad({
  spec,
  baseUrl,
  container,
}: RunningImage): Promise<LoadMeasurement> {
  const route = mainRoutes[spec.app];
  const url = new URL(route, baseUrl);
  if (!loopbackHosts.has(url.hostname)) {
    throw new Error(
      `The load check sends ${loadProfile.amount} requests and only targets loopback, but ` +
        `${spec.image} is published at ${url.host}. Run the suite against a local Docker engine.`,
    );
  }
  const memoryBeforeBytes = await memoryUsageBytes(container);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon(
      {
        url: url.href,
        ...loadProfile,
        timeout: requestTimeoutSeconds,
        // autocannon notices the last response only at its next sample (every second by
        // default): 10 ms samples keep `duration`, and the throughput from it, within ~2 %.
        sampleInt: 10,
      },
      (error, finished) => {
        clearTimeout(deadline);
        if (error) reject(error);
        else resolve(finished);
      },
    );
    const deadline = setTimeout(() => run.stop(), loadDeadlineSeconds * 1000);
  });
  return { route, result, memoryBeforeBytes, memoryAfterBytes: await memoryUsageBytes(container) };
}

const mebibytes = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

/** One line for the log: what the image sustained and what it cost in memory. */
export function formatLoad({
  route,
  result,
  memoryBeforeBytes,
  memoryAfterBytes,
}: LoadMeasurement): string {
  const perSecond = result.requests.total / result.duration;
  return (
    `GET ${route}: ${result.requests.total} responses from ${result.connections} connections in ` +
    `${result.duration.toFixed(2)} s, ${perSecond.toFixed(0)} requests/s, latency p50 ` +
    `${result.latency.p50} ms p99 ${result.latency.p99} ms; memory ${mebibytes(memoryBeforeBytes)} ` +
    `before, ${mebibytes(memoryAfterBytes)} after`
  );
}
