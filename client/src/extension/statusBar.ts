/** The status bar item: state of the last fit; click to show the results. */
import * as vscode from 'vscode';
import type { FitOutcomeKind } from '../shared/fitSummary';

export class FitStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private fitted = false;

  constructor() {
    this.item = vscode.window.createStatusBarItem('mlm.fitStatus', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'MLM fit status';
    this.item.command = 'mlm.showResults';
    this.item.text = '$(graph) MLM';
    this.item.tooltip = 'Multilevel models: no fit yet. Click to show results.';
  }

  running(what: string): void {
    this.item.text = `$(sync~spin) MLM: fitting ${what}`;
    this.item.tooltip = `Fitting ${what}…`;
    this.item.backgroundColor = undefined;
    this.item.show();
  }

  done(kind: FitOutcomeKind, short: string, message: string): void {
    this.fitted = true;
    const icon = kind === 'ok' ? '$(check)' : kind === 'cancelled' ? '$(circle-slash)' : '$(error)';
    this.item.text = `${icon} MLM: ${short}`;
    this.item.tooltip = `${message} Click to show results.`;
    this.item.backgroundColor = kind === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.show();
  }

  /** Visible while an .mlm editor is active or after a fit. */
  onActiveEditor(editor: vscode.TextEditor | undefined): void {
    if (this.fitted || editor?.document.languageId === 'mlm') this.item.show();
    else this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}
