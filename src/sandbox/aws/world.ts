/** The AWS half of the sandbox world. Fleshed out by the AWS emulator. */
export interface AwsWorld {
  regions: Record<string, unknown>;
}

export function seedAwsWorld(): AwsWorld {
  return { regions: {} };
}
