import * as fs from 'node:fs';
import { Language, Node as SyntaxNode, Parser } from 'web-tree-sitter';

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
