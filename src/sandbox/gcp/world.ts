/** The GCP half of the sandbox world. Fleshed out by the GCP emulator. */
export interface GcpWorld {
  projects: Record<string, unknown>;
}

export function seedGcpWorld(): GcpWorld {
  return { projects: {} };
}
