import * as fs from 'node:fs';
import { Language, Node as SyntaxNode, Parser } from 'web-tree-sitter';

/** Automatic variables PowerShell 6+ added (lower case). */
const SEVEN_ONLY_VARIABLES = new Set(['iswindows', 'islinux', 'ismacos', 'iscoreclr']);

/**
 * Cmdlets with parameters 5.1 lacks (lower case; an empty list: the cmdlet itself is 6+), from the
 * reference sheet on Windows OpenSSH and PowerShell.
 */
const SEVEN_ONLY_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  'foreach-object': ['parallel', 'throttlelimit'],
  'get-content': ['asbytestream'],
  'set-content': ['asbytestream'],
  'add-content': ['asbytestream'],
  'convertfrom-json': ['ashashtable', 'noenumerate'],
  'join-string': [],
  'test-connection': ['targetname', 'tcpport'],
};

/**
 * The PowerShell tree-sitter grammar: the lab has no Windows host, so every PowerShell script the
 * library sends is at least parsed by a real PowerShell grammar.
 */
export class PowerShellGrammar {
  private constructor(private readonly parser: Parser) {}

  static async load(): Promise<PowerShellGrammar> {
    await Parser.init();
    // Bytes rather than a path: loading by path takes a dynamic import that jest's module system refuses.
    const language = await Language.load(
      fs.readFileSync(require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm')),
    );
    const parser = new Parser();
    parser.setLanguage(language);
    return new PowerShellGrammar(parser);
  }

  /** Each syntax error or missing token, with its position; empty when the script parses. */
  syntaxErrors(script: string): string[] {
    const errors: string[] = [];
    const walk = (node: SyntaxNode) => {
      if (node.isError || node.isMissing)
        errors.push(
          `${node.type} at ${node.startPosition.row + 1}:${node.startPosition.column + 1}: ${node.text.slice(0, 40)}`,
        );
      for (const child of node.children) if (child) walk(child);
    };
    walk(this.parser.parse(script)!.rootNode);
    return errors;
  }

  /** How many statements the script runs at its top level: a value that became code would add some. */
  topLevelStatements(script: string): number {
    return this.parser
      .parse(script)!
      .rootNode.descendantsOfType('pipeline')
      .filter((n) => n?.parent?.type === 'statement_list' && n.parent.parent?.type === 'program').length;
  }

  /**
   * Why Windows PowerShell 5.1 (what Windows Server ships) would refuse the script or read it
   * differently: its syntax errors (this grammar does not parse `??`, `??=`, `?.`, `?[]` or the
   * ternary either), pipeline chains, 7-only parameters and automatic variables, as the reference
   * sheet lists them. Empty when the script keeps to 5.1.
   */
  windowsPowerShell51Problems(script: string): string[] {
    const problems = this.syntaxErrors(script).map((e) => `does not parse (a 7-only operator?): ${e}`);
    const root = this.parser.parse(script)!.rootNode;
    for (const node of root.descendantsOfType('pipeline_chain_tail'))
      if (node) problems.push(`a pipeline chain (&& or ||) is PowerShell 7 only: ${node.text.slice(0, 40)}`);
    for (const node of root.descendantsOfType('variable')) {
      const name = node?.text.replace(/^\$/, '').toLowerCase();
      if (name && SEVEN_ONLY_VARIABLES.has(name)) problems.push(`$${name} does not exist in 5.1`);
    }
    for (const command of root.descendantsOfType('command')) {
      const name = command?.childForFieldName('command_name')?.text ?? command?.firstChild?.text ?? '';
      const sevenOnly = SEVEN_ONLY_PARAMETERS[name.toLowerCase()];
      if (!command || !sevenOnly) continue;
      if (sevenOnly.length === 0) problems.push(`${name} does not exist in 5.1`);
      for (const parameter of command.descendantsOfType('command_parameter')) {
        // PowerShell binds any unambiguous prefix of a parameter's name.
        const given = parameter?.text.replace(/^-/, '').replace(/:$/, '').toLowerCase() ?? '';
        const match = sevenOnly.find((p) => given.length >= 3 && p.startsWith(given));
        if (match) problems.push(`${name} -${match} is PowerShell 7 only`);
      }
    }
    return problems;
  }

  /** The node types of the whole parse, for asserting what a value became. */
  nodeTypes(script: string): string[] {
    const types: string[] = [];
    const walk = (node: SyntaxNode) => {
      types.push(node.type);
      for (const child of node.children) if (child) walk(child);
    };
    walk(this.parser.parse(script)!.rootNode);
    return types;
  }
}
