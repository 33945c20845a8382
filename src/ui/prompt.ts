import type { FieldSpec } from '../config/fields.js';
import type { Choice, Prompter } from '../config/resolve.js';

/** Prompts on stderr through @inquirer/prompts, loaded only when a prompt is needed. */
export function terminalPrompter(): Prompter {
  const load = () => import('@inquirer/prompts');
  const message = (field: FieldSpec) => `${field.description} (${field.flag})`;
  const options = { output: process.stderr };
  return {
    async text(field, validate) {
      const { input } = await load();
      return input({ message: message(field), validate, default: field.fallback }, options);
    },
    async select(field, choices) {
      const { select } = await load();
      return select({ message: message(field), choices: asChoices(choices) }, options);
    },
    async selectMany(field, choices) {
      const { checkbox } = await load();
      return checkbox(
        {
          message: message(field),
          choices: asChoices(choices),
          validate: (picked) => picked.length >= 2 || 'Pick at least two.',
        },
        options,
      );
    },
  };
}

function asChoices(choices: Choice[]) {
  return choices.map((choice) => ({ value: choice.value, name: choice.label }));
}

/** Asks a yes/no question; false when the person declines. */
export async function confirmOnTerminal(question: string): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  return confirm({ message: question, default: false }, { output: process.stderr });
}
