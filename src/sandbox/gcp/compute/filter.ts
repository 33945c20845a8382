import { GoogleApiError } from '../http.js';

/**
 * The Compute list `filter` language, as far as clients use it: comparisons `field = value`,
 * `!=`, `>`, `<`, `:` (has), and the regular-expression forms `field eq regex` /
 * `field ne regex` (whole-value match), combined with AND (explicit or by juxtaposition), OR
 * and parentheses. Nested fields are dotted; a list field matches when any element does.
 */
export function applyFilter<T extends Record<string, unknown>>(
  views: T[],
  filter: string | null,
): T[] {
  if (!filter || filter.trim() === '') return views;
  const parser = new Parser(tokenize(filter), filter);
  const predicate = parser.parse();
  return views.filter(predicate);
}

type Predicate = (view: Record<string, unknown>) => boolean;

function badFilter(filter: string): GoogleApiError {
  return new GoogleApiError(400, 'invalid', `Invalid value for field 'filter': '${filter}'.`);
}

const TOKEN = /\s*(\(|\)|!=|=|>=|<=|>|<|:|~|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s()=!<>:~"']+)/y;

function tokenize(filter: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < filter.length) {
    if (filter.slice(TOKEN.lastIndex).trim() === '') break;
    const match = TOKEN.exec(filter);
    if (!match?.[1]) throw badFilter(filter);
    tokens.push(match[1]);
  }
  return tokens;
}

const OPERATORS = new Set(['=', '!=', '>', '<', '>=', '<=', ':', '~', 'eq', 'ne']);

class Parser {
  private at = 0;

  constructor(
    private readonly tokens: string[],
    private readonly source: string,
  ) {}

  parse(): Predicate {
    const predicate = this.orExpression();
    if (this.at !== this.tokens.length) throw badFilter(this.source);
    return predicate;
  }

  private orExpression(): Predicate {
    const parts = [this.andExpression()];
    while (this.peek()?.toUpperCase() === 'OR') {
      this.at += 1;
      parts.push(this.andExpression());
    }
    return (view) => parts.some((part) => part(view));
  }

  private andExpression(): Predicate {
    const parts = [this.term()];
    for (;;) {
      const next = this.peek();
      if (next === undefined || next === ')' || next.toUpperCase() === 'OR') break;
      if (next.toUpperCase() === 'AND') this.at += 1;
      parts.push(this.term());
    }
    return (view) => parts.every((part) => part(view));
  }

  private term(): Predicate {
    const first = this.take();
    if (first === '(') {
      const inner = this.orExpression();
      if (this.take() !== ')') throw badFilter(this.source);
      return inner;
    }
    if (first.toUpperCase() === 'NOT' || first === '-') {
      const inner = this.term();
      return (view) => !inner(view);
    }
    const operator = this.take();
    if (!OPERATORS.has(operator)) throw badFilter(this.source);
    const value = unquote(this.take());
    return comparison(first, operator, value);
  }

  private peek(): string | undefined {
    return this.tokens[this.at];
  }

  private take(): string {
    const token = this.tokens[this.at];
    if (token === undefined) throw badFilter(this.source);
    this.at += 1;
    return token;
  }
}

function unquote(token: string): string {
  const quoted = /^(["'])(.*)\1$/s.exec(token);
  return quoted ? (quoted[2] ?? '').replace(/\\(.)/g, '$1') : token;
}

function comparison(field: string, operator: string, value: string): Predicate {
  const test = valueTest(operator, value);
  return (view) => {
    const values = lookup(view, field.split('.'));
    if (operator === '!=' || operator === 'ne') return values.every(test);
    return values.some(test);
  };
}

function valueTest(operator: string, value: string): (actual: string) => boolean {
  switch (operator) {
    case 'eq': {
      const pattern = regex(`^(?:${value})$`, value);
      return (actual) => pattern.test(actual);
    }
    case 'ne': {
      const pattern = regex(`^(?:${value})$`, value);
      return (actual) => !pattern.test(actual);
    }
    case '~': {
      const pattern = regex(value, value);
      return (actual) => pattern.test(actual);
    }
    case ':':
      return value === '*' ? () => true : (actual) => globMatch(value, actual);
    case '!=':
      return (actual) => !globMatch(value, actual);
    case '>':
    case '<':
    case '>=':
    case '<=':
      return (actual) => order(actual, value, operator);
    default:
      return (actual) => globMatch(value, actual);
  }
}

function regex(source: string, shown: string): RegExp {
  try {
    return new RegExp(source);
  } catch {
    throw badFilter(shown);
  }
}

function globMatch(pattern: string, actual: string): boolean {
  if (!pattern.includes('*')) return actual === pattern;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(actual);
}

function order(actual: string, value: string, operator: string): boolean {
  const numeric = actual !== '' && value !== '' && !Number.isNaN(Number(actual));
  const left = numeric ? Number(actual) : actual;
  const right = numeric ? Number(value) : value;
  if (operator === '>') return left > right;
  if (operator === '<') return left < right;
  if (operator === '>=') return left >= right;
  return left <= right;
}

function lookup(value: unknown, path: string[]): string[] {
  if (Array.isArray(value)) return value.flatMap((each) => lookup(each, path));
  if (path.length === 0) {
    if (value === undefined || value === null) return [];
    return typeof value === 'object' ? [JSON.stringify(value)] : [String(value)];
  }
  if (typeof value !== 'object' || value === null) return [];
  const [head, ...rest] = path;
  return lookup((value as Record<string, unknown>)[head ?? ''], rest);
}
