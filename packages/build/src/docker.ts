import Docker from "dockerode";

/** Where the client looks for the engine: DOCKER_HOST if set, else the local socket. */
export const dockerEndpoint = () => process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";

/**
 * A dockerode client for the engine named by DOCKER_HOST (or the local socket), after proving the
 * engine answers. Throws an error that says how to start one — the image tasks never skip silently.
 */
export async function connectDocker(): Promise<Docker> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (cause) {
    throw new Error(
      `Docker engine not reachable at ${dockerEndpoint()} (${(cause as Error).message}). ` +
        "Start Docker (e.g. `sudo dockerd &` or `sudo systemctl start docker`) or set DOCKER_HOST, then run this again.",
      { cause },
    );
  }
  return docker;
}

/** Size in bytes of a local image, or undefined when the engine does not have it. */
export async function imageSize(docker: Docker, ref: string): Promise<number | undefined> {
  try {
    return (await docker.getImage(ref).inspect()).Size;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}
