// The desktop shell's capabilities (src-shared/contract/shell.ts) for views: native dialogs, saving
// to a chosen file, Show in folder, menu actions. `desktop()` is null in browser mode, where callers
// fall back to file inputs and downloads.
import {
  ContractError,
  shellMethods,
  type DesktopBridge,
  type MenuAction,
  type ShellInput,
  type ShellMethodName,
  type ShellOutput,
} from '@shared/contract'

export function desktop(): DesktopBridge | null {
  return window.workbench?.desktop ?? null
}

/** A typed shell call, validated before it leaves like the core's API; throws ContractError. */
export async function shellCall<M extends ShellMethodName>(method: M, input: ShellInput<M>): Promise<ShellOutput<M>> {
  const bridge = desktop()
  if (!bridge) throw new ContractError('unavailable', `${method} needs the desktop app`)
  const parsed = shellMethods[method].input.safeParse(input)
  if (!parsed.success) throw new ContractError('invalid_input', `invalid input for ${method}`)
  const result = await bridge.invoke(method, parsed.data)
  if (!result.ok) throw ContractError.from(result.error)
  return result.value as ShellOutput<M>
}

/** Subscribes to application-menu actions; a no-op in browser mode. */
export function onMenu(listener: (action: MenuAction) => void): () => void {
  return desktop()?.onMenu(listener) ?? (() => {})
}

/** The local path of a dropped file or folder (desktop only; a browser never reveals it). */
export function droppedPath(event: DragEvent): string | null {
  const file = event.dataTransfer?.files?.[0]
  const bridge = desktop()
  if (!file || !bridge) return null
  return bridge.pathForFile(file) || null
}

/** Where each application-menu action takes the user (the view holds the form or export it names). */
export const MENU_ROUTES: Record<MenuAction, string> = {
  'import-dataset': '/data',
  'import-base-model': '/models',
  'import-bundle': '/history',
  export: '/compare',
  doctor: '/settings',
}
