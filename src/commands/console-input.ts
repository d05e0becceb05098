/**
 * Raw console input with Ctrl-A escapes (run, fleet --attach): Ctrl-A then
 * a key runs that key's action (an action that returns true drops the
 * rest of the chunk: quit), Ctrl-A Ctrl-A sends one Ctrl-A, Ctrl-A and an
 * unknown key send nothing; everything else goes to the guest. Escapes
 * only on a terminal: piped input reaches the guest byte for byte.
 */
export function consoleInput(tty: boolean, keys: Record<number, () => boolean | void>, send: (bytes: Uint8Array) => void): (chunk: Buffer) => void {
  let escape = false;
  return (chunk) => {
    const fwd: number[] = [];
    for (const b of chunk) {
      if (escape) {
        escape = false;
        if (b === 0x01) fwd.push(0x01);
        else if (keys[b]?.() === true) return;
      } else if (b === 0x01 && tty) escape = true;
      else fwd.push(b);
    }
    if (fwd.length) send(Uint8Array.from(fwd));
  };
}
