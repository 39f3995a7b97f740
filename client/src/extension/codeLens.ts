/** "Fit" and "Results" code lenses above each model of an .mlm file. */
import * as vscode from 'vscode';
import { findKeyLines, findModelLenses } from '../shared/lenses';

export class ModelCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const out: vscode.CodeLens[] = [];
    for (const l of findModelLenses(document.getText())) {
      const range = new vscode.Range(l.line, 0, l.line, 0);
      const args = [document.uri.toString(), l.model];
      out.push(new vscode.CodeLens(range, { title: 'Fit', tooltip: `Fit model ${l.model}`, command: 'mlm.fitModel', arguments: args }));
      out.push(new vscode.CodeLens(range, { title: 'Results', tooltip: `Show the results of ${l.model}`, command: 'mlm.showResults', arguments: args }));
    }
    const keys = findKeyLines(document.getText());
    const uri = document.uri.toString();
    for (const line of keys.data) {
      out.push(new vscode.CodeLens(new vscode.Range(line, 0, line, 0), { title: 'Preview data', tooltip: 'Show the linked CSV with column types', command: 'mlm.openDataPreview', arguments: [uri] }));
    }
    for (const line of keys.compare) {
      out.push(new vscode.CodeLens(new vscode.Range(line, 0, line, 0), { title: 'Compare', tooltip: 'Fit the models and show the likelihood-ratio test', command: 'mlm.compareModels', arguments: [uri] }));
    }
    return out;
  }
}
