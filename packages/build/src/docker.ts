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
        "Start the Docker Engine (`systemctl start docker`, Docker Desktop, or `dockerd &` as root) " +
        "or point DOCKER_HOST at a running one, then run this again.",
      { cause },
    );
  }
  return docker;
}

/**
 * Whether a path exists in a container's filesystem, asked through the engine's archive API: it
 * needs no shell or tools inside the image, and the container need not run.
 */
export async function pathExists(container: Docker.Container, path: string): Promise<boolean> {
  try {
    (await container.infoArchive({ path })).resume();
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}
