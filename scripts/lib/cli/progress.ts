/** A one-line progress bar on stderr (redrawn in a terminal, occasional lines otherwise). */
export function progressBar(label: string) {
  const tty = process.stderr.isTTY;
  const started = performance.now();
  let lastLine = -1;
  return {
    update(done: number, total: number) {
      const frac = total ? done / total : 1;
      const secs = (performance.now() - started) / 1000;
      const rate = secs > 0 ? done / secs : 0;
      const width = 28;
      const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
      const line = `${label} ${bar} ${done}/${total} ${rate.toFixed(1)}/s`;
      if (tty) process.stderr.write(`\r${line}`);
      else if (Math.floor(frac * 10) !== lastLine || done === total) {
        lastLine = Math.floor(frac * 10);
        process.stderr.write(`${line}\n`);
      }
      if (tty && done === total) process.stderr.write('\n');
    },
  };
}
