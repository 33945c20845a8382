import { FIELDS, type FieldSpec } from '../config/fields.js';
import { CATALOG, keysFor, STEP_IDS, type StepId, stepInfo } from '../steps/catalog.js';
import { Command, Option } from './commander.js';

/**
 * The command tree. Building it loads no cloud SDK, prompt library or spinner: each action
 * imports its command module only when it runs, so `--help` stays fast.
 */

export type ActionResult = Promise<number>;

/**
 * Every command accepts every value flag, so one set of flags works for all of them; help
 * lists only the values the command reads.
 */
function addAllValueOptions(command: Command, shown: readonly FieldSpec[] = FIELDS): Command {
  for (const field of FIELDS) {
    const fallback = field.fallback ? ` (default: ${field.fallback})` : '';
    const option = new Option(`${field.flag} ${field.arg}`, `${field.description}${fallback}`);
    command.addOption(shown.includes(field) ? option : option.hideHelp());
  }
  return command;
}

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;
}

/**
 * `argv` decides which commands get their value flags: only those named on the command line
 * need them to parse, and creating them for all fifteen commands is most of the start-up cost.
 */
export function buildProgram(
  version: string,
  run: (done: ActionResult) => void,
  argv: readonly string[] = process.argv,
): Command {
  const named = new Set(argv.slice(2));
  const addValueOptions = (command: Command, shown?: readonly FieldSpec[]) =>
    named.has(command.name()) ? addAllValueOptions(command, shown) : command;
  const program = new Command('psc-bridge')
    .description(
      'Create, check and remove the private path from AWS workloads to Google APIs over an ' +
        'existing AWS-GCP VPN: a Private Service Connect endpoint, its DNS, and a Route 53 ' +
        'Resolver forwarding rule.',
    )
    .version(version, '--version', 'print the version')
    .option('--state <file>', 'state file (default: ./psc-bridge.state.json)')
    .option('--config <file>', 'JSON config file with any of the values (see README)')
    .option('-y, --yes', 'never prompt; confirm automatically')
    .option('--json', 'print one JSON document on stdout and nothing else there')
    .option('-v, --verbose', 'show API calls and stack traces on stderr')
    .option('--sandbox', 'run against the local emulator instead of the real clouds')
    .option('--no-color', 'no colours in the output')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      examples([
        'psc-bridge setup --sandbox --config examples/runbook.json --yes',
        'psc-bridge plan --config psc.json',
        'psc-bridge create-psc --gcp-project my-proj --psc-ip 10.164.128.1',
        'psc-bridge status --json',
        'psc-bridge teardown',
      ]),
    );

  const action =
    (load: () => Promise<(command: Command) => ActionResult>) =>
    (..._args: unknown[]) => {
      const command = _args[_args.length - 1] as Command;
      run(load().then((handler) => handler(command)));
    };

  addValueOptions(
    program
      .command('setup')
      .description('run every step: build the whole private path')
      .addHelpText(
        'after',
        examples(['psc-bridge setup', 'psc-bridge setup --config psc.json --yes']),
      ),
    FIELDS,
  ).action(action(async () => (await import('../commands/setup.js')).setupCommand));

  addValueOptions(
    program
      .command('teardown')
      .description('remove what psc-bridge created, in reverse order; adopted resources stay')
      .addHelpText('after', examples(['psc-bridge teardown', 'psc-bridge teardown --yes --json'])),
    FIELDS,
  ).action(action(async () => (await import('../commands/teardown.js')).teardownCommand));

  addValueOptions(
    program
      .command('status')
      .description('show each step: recorded status, what exists live, owned or adopted')
      .addHelpText('after', examples(['psc-bridge status', 'psc-bridge status --json'])),
    FIELDS,
  ).action(action(async () => (await import('../commands/status.js')).statusCommand));

  addValueOptions(
    program
      .command('plan')
      .description('show what setup (or teardown) would do now, with equivalent CLI lines')
      .option('--teardown', 'plan a teardown instead of a setup')
      .addHelpText('after', examples(['psc-bridge plan', 'psc-bridge plan --teardown'])),
    FIELDS,
  ).action(action(async () => (await import('../commands/plan.js')).planCommand));

  addValueOptions(
    program
      .command('verify')
      .description('check that the private path works, through the APIs and optionally the VPC')
      .option('--from-vpc', 'also resolve names and reach the endpoint (run inside the VPC)')
      .option(
        '--resolver <ip[:port]>',
        'DNS resolver for --from-vpc (default: the system one; with --sandbox: loopback only)',
      )
      .addHelpText('after', examples(['psc-bridge verify', 'psc-bridge verify --from-vpc'])),
    FIELDS,
  ).action(action(async () => (await import('../commands/verify.js')).verifyCommand));

  addSandboxCommands(program, action);

  for (const id of STEP_IDS) addStepCommand(program, id, action, addValueOptions);
  return program;
}

type ActionFactory = (
  load: () => Promise<(command: Command) => ActionResult>,
) => (...args: unknown[]) => void;

function addStepCommand(
  program: Command,
  id: StepId,
  action: ActionFactory,
  addValueOptions: (command: Command, shown?: readonly FieldSpec[]) => Command,
): void {
  const info = stepInfo(id);
  const needs = info.needs.length > 0 ? `\nNeeds: ${info.needs.join(', ')}.` : '';
  const fields = FIELDS.filter((field) => keysFor([id]).includes(field.key));
  addValueOptions(
    program
      .command(id)
      .description(`${info.cloud.toUpperCase()}: ${info.title}`)
      .option('--destroy', 'remove what this step created instead')
      .addHelpText(
        'after',
        `\n${info.summary}${needs}\n${examples([
          `psc-bridge ${id} --config psc.json`,
          `psc-bridge ${id} --destroy --config psc.json`,
        ])}`,
      ),
    fields,
  ).action(
    action(async () => {
      const { stepCommand } = await import('../commands/step.js');
      return (command: Command) => stepCommand(id, command);
    }),
  );
}

function addSandboxCommands(program: Command, action: ActionFactory): void {
  const sandbox = program
    .command('sandbox')
    .description('a local emulator of the GCP and AWS APIs psc-bridge uses, for rehearsals');
  sandbox
    .command('serve')
    .description('serve the emulator on 127.0.0.1 until interrupted')
    .option('--port <n>', 'port to listen on (default: a free one)')
    .addOption(
      new Option('--latency <profile>', 'how long async work takes')
        .choices(['instant', 'realistic'])
        .default('instant'),
    )
    .option('--speed <factor>', 'divide realistic durations by this factor', '1')
    .option('--faults <rate>', 'share of calls (0-1) answered with a transient failure', '0')
    .addHelpText('after', examples(['psc-bridge sandbox serve --latency realistic --speed 10']))
    .action(action(async () => (await import('../commands/sandbox.js')).serveCommand));
  sandbox
    .command('show')
    .description("list the emulated clouds' resources and the call log")
    .addHelpText('after', examples(['psc-bridge sandbox show', 'psc-bridge sandbox show --json']))
    .action(action(async () => (await import('../commands/sandbox.js')).showCommand));
  sandbox
    .command('reset')
    .description('put the emulated clouds back to the seeded world')
    .addHelpText('after', examples(['psc-bridge sandbox reset']))
    .action(action(async () => (await import('../commands/sandbox.js')).resetCommand));
}

export { CATALOG };
