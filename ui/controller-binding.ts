import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { PanelController } from './panel-controller';

/**
 * Connects a Lit host to a `PanelController`: subscribes while the host is in the document, unsubscribes when it
 * leaves (so a closed panel holds no listener), and asks the host to re-render on every state change.
 * The controller can be swapped at any time; the old one is unsubscribed first.
 */
export class ControllerBinding implements ReactiveController {
  private current: PanelController | undefined;
  private unsubscribe: (() => void) | undefined;
  private isHostConnected = false;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  get controller(): PanelController | undefined {
    return this.current;
  }

  set controller(next: PanelController | undefined) {
    if (next === this.current) return;
    this.detach();
    this.current = next;
    if (this.isHostConnected) this.attach();
    this.host.requestUpdate();
  }

  hostConnected(): void {
    this.isHostConnected = true;
    this.attach();
  }

  hostDisconnected(): void {
    this.isHostConnected = false;
    this.detach();
  }

  private attach(): void {
    if (this.current === undefined || this.unsubscribe !== undefined) return;
    this.unsubscribe = this.current.subscribe(() => this.host.requestUpdate());
    // State may have changed while the host was detached: render what is current now.
    this.host.requestUpdate();
  }

  private detach(): void {
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = undefined;
    unsubscribe?.();
  }
}
