// Letter templates (issue 10): the subject and body organisers write, filled in
// with the recipient's, the signer's and the action's fields. Organisers are
// trusted to run a campaign, not to run code, so a template is a narrow
// language: plain text with {{field}} from a fixed list of flat names, and
// {{#if field}}…{{else}}…{{/if}} / {{#unless}} around optional parts. Anything
// else (partials, triple-stash, helpers such as lookup, paths such as
// constructor or __proto__, @data, this, ../, sub-expressions, hash arguments)
// is refused when the template is saved, with its line.
//
// Compiled in an environment of its own (Handlebars.create(): the pages'
// helpers and partials are not in it), from a string only (handlebars ≤ 4.7.9
// ran code from a crafted AST object), with strict, knownHelpersOnly and no
// prototype access, over a context of plain strings on a null-prototype object.
import Handlebars from 'handlebars';

/** Every field a template may use; each is a plain string when the letter is made. */
export const LETTER_FIELDS = [
  'recipient_name',
  'recipient_title',
  'recipient_organisation',
  'recipient_country',
  'signer_name',
  'signer_town',
  'signer_country',
  'signer_comment',
  'action_title',
  'date',
] as const;

export type LetterField = (typeof LETTER_FIELDS)[number];
export type LetterFields = Record<LetterField, string>;

const FIELDS = new Set<string>(LETTER_FIELDS);
const BLOCKS = new Set(['if', 'unless']);

/** A template that cannot be used, with the line (1-based) and the reason, for the organiser. */
export class LetterTemplateError extends Error {
  override name = 'LetterTemplateError';
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

const environment = Handlebars.create();

// The built-in helpers other than if/unless become unknown, so that
// knownHelpersOnly refuses them even if the check below missed one.
const KNOWN_HELPERS = { if: true, unless: true, each: false, with: false, lookup: false, log: false, helperMissing: false, blockHelperMissing: false };

type Node = hbs.AST.Node & { loc?: hbs.AST.SourceLocation };

function lineOf(node: Node): number {
  return node.loc?.start.line ?? 1;
}

function checkField(path: hbs.AST.PathExpression, at: Node): void {
  if (path.data) throw new LetterTemplateError(lineOf(at), `{{${path.original}}} is not a field you can use`);
  if (path.depth > 0 || path.parts.length !== 1 || !FIELDS.has(path.parts[0]!)) {
    throw new LetterTemplateError(lineOf(at), `{{${path.original}}} is not a field you can use; the fields are ${LETTER_FIELDS.map((f) => `{{${f}}}`).join(', ')}`);
  }
}

// {{#if}} inside {{#if}}: a letter needs a few levels; thousands (a body of
// 40,000 characters can hold them) passed the check and then overflowed the
// stack when the letter was first made, on the public page and in the sender.
export const MAX_NESTING = 20;

function checkProgram(program: hbs.AST.Program | undefined, depth = 0): void {
  for (const node of program?.body ?? []) checkStatement(node as Node, depth);
}

function checkStatement(node: Node, depth: number): void {
  switch (node.type) {
    case 'ContentStatement':
    case 'CommentStatement':
      return;
    case 'MustacheStatement': {
      const m = node as hbs.AST.MustacheStatement;
      if (!m.escaped) throw new LetterTemplateError(lineOf(node), 'triple braces {{{…}}} are not allowed; use {{field}}');
      if (m.params.length || m.hash) throw new LetterTemplateError(lineOf(node), 'only a field may stand between {{ and }}');
      if (m.path.type !== 'PathExpression') throw new LetterTemplateError(lineOf(node), 'only a field may stand between {{ and }}');
      return checkField(m.path as hbs.AST.PathExpression, node);
    }
    case 'BlockStatement': {
      const b = node as hbs.AST.BlockStatement;
      const name = b.path.type === 'PathExpression' ? (b.path as hbs.AST.PathExpression).original : '';
      if (!BLOCKS.has(name)) throw new LetterTemplateError(lineOf(node), `{{#${name || '…'}}} is not allowed; use {{#if field}} or {{#unless field}}`);
      const [param, ...rest] = b.params;
      if (!param || rest.length || b.hash || param.type !== 'PathExpression') {
        throw new LetterTemplateError(lineOf(node), `{{#${name}}} takes one field, e.g. {{#${name} signer_comment}}`);
      }
      checkField(param as hbs.AST.PathExpression, node);
      if (depth >= MAX_NESTING) throw new LetterTemplateError(lineOf(node), `{{#${name}}} blocks go at most ${MAX_NESTING} deep`);
      checkProgram(b.program, depth + 1);
      checkProgram(b.inverse, depth + 1);
      return;
    }
    case 'PartialStatement':
    case 'PartialBlockStatement':
      throw new LetterTemplateError(lineOf(node), 'partials {{> …}} are not allowed');
    default:
      throw new LetterTemplateError(lineOf(node), 'this is not allowed in a letter');
  }
}

function parse(source: unknown, what: 'subject' | 'body'): void {
  if (typeof source !== 'string') throw new LetterTemplateError(1, `the ${what} must be text`);
  if (what === 'subject') {
    const match = /\r|\n/.exec(source);
    if (match) throw new LetterTemplateError(1, 'the subject must be one line');
  }
  let ast: hbs.AST.Program;
  try {
    ast = environment.parse(source);
  } catch (error) {
    const message = String((error as Error).message ?? error);
    const line = Number(/line (\d+)/i.exec(message)?.[1] ?? 1);
    throw new LetterTemplateError(line, `the braces do not match up (${message.split('\n')[0]})`);
  }
  checkProgram(ast);
}

export type LetterTemplate = {
  /** The letter as text for these fields. */
  render(fields: LetterFields): string;
};

// Compiled templates by their source: the action page, its letter preview (a
// public GET, asked as the sign form is typed) and every delivery render the
// same few letters, and checking and compiling one of the longest bodies takes
// a quarter of a second. Bounded: oldest out first.
const compiled = new Map<string, LetterTemplate>();
const MAX_COMPILED = 200;

/** Checks and compiles a subject or body; throws LetterTemplateError with the line and the reason. */
export function compileLetterTemplate(source: unknown, what: 'subject' | 'body'): LetterTemplate {
  const key = typeof source === 'string' ? `${what}\0${source}` : undefined;
  const known = key === undefined ? undefined : compiled.get(key);
  if (known) return known;
  const made = compileChecked(source, what);
  if (key !== undefined) {
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, made);
  }
  return made;
}

function compileChecked(source: unknown, what: 'subject' | 'body'): LetterTemplate {
  parse(source, what);
  const template = environment.compile(source as string, {
    strict: true,
    knownHelpersOnly: true,
    knownHelpers: KNOWN_HELPERS,
    // A letter is plain text; the HTML part escapes the whole of it afterwards.
    noEscape: true,
    preventIndent: true,
  });
  return {
    render(fields) {
      const context: Record<string, string> = Object.create(null);
      // Own values only, as strings: nothing is read from a prototype.
      for (const field of LETTER_FIELDS) context[field] = Object.hasOwn(fields, field) ? String(fields[field] ?? '') : '';
      const text = template(context, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
      // A subject is one header line, whatever a field held.
      return what === 'subject' ? text.replace(/[\r\n]+/g, ' ').trim() : text;
    },
  };
}
