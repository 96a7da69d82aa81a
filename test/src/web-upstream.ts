import { runtimeBases } from "@repo/build";
import {
  GenericContainer,
  type StartedNetwork,
  type StartedTestContainer,
  Wait,
} from "testcontainers";
import { z } from "zod";
import { runLabels } from "./image-under-test.ts";

/** The port echo upstreams listen on; not the api's, so API_UPSTREAM's port is seen to count. */
export const echoPort = 9000;

/** What an echo upstream answers: its own name and the request as nginx forwarded it. */
export const echoSchema = z.object({
  upstream: z.string(),
  method: z.string(),
  url: z.string(),
  body: z.string(),
});

const echoServer = `
require("node:http")
  .createServer(async (request, response) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    const { method, url } = request;
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ upstream: process.env.UPSTREAM_NAME, method, url, body }));
  })
  .listen(${echoPort}, () => console.log("listening"));
`;

/**
 * A stand-in API on the network under `alias` that tells who answered and what it received, so a
 * test sees which upstream a web container reached. It runs on the node runtime base, which every
 * run of the suite has locally.
 */
export function startEchoUpstream(
  network: StartedNetwork,
  alias: string,
): Promise<StartedTestContainer> {
  return new GenericContainer(runtimeBases.node.ref)
    .withNetwork(network)
    .withNetworkAliases(alias)
    .withEnvironment({ UPSTREAM_NAME: alias })
    .withCommand(["node", "--eval", echoServer])
    .withLabels(runLabels)
    .withWaitStrategy(Wait.forLogMessage("listening"))
    .start();
}
