/** One instruction of a Dockerfile, with its `--flags` split off. */
export interface DockerInstruction {
  /** Upper case, e.g. `COPY`. */
  instruction: string;
  /** `--from=build` -> `{ from: 'build' }`. */
  flags: Record<string, string>;
  /** The rest of the logical line. */
  args: string;
  /** Line number where the instruction starts (1-based). */
  line: number;
  /** Index of the build stage it belongs to (-1 before the first FROM). */
  stage: number;
}

/** Every instruction the Dockerfile reference knows. */
export const DOCKER_INSTRUCTIONS = new Set(['FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL']);

/**
 * Splits a Dockerfile into instructions as the builder reads it: comment lines dropped, lines
 * ending in `\` joined with the next, leading `--name=value` flags split off. Throws on a line
 * that does not start with an instruction name (what `docker build` refuses first).
 */
export function parseDockerfile(text: string): DockerInstruction[] {
  const result: DockerInstruction[] = [];
  const lines = text.split('\n');
  let stage = -1;
  for (let index = 0; index < lines.length; index++) {
    const start = index;
    let logical = lines[index]!.trim();
    if (logical === '' || logical.startsWith('#')) continue;
    while (logical.endsWith('\\') && index + 1 < lines.length) {
      index++;
      const next = lines[index]!.trim();
      logical = logical.slice(0, -1) + (next.startsWith('#') ? '' : ' ' + next);
    }
    const match = /^([A-Za-z]+)\s+(.*)$/.exec(logical);
    if (!match || !DOCKER_INSTRUCTIONS.has(match[1]!.toUpperCase())) throw new Error(`line ${start + 1}: not a Dockerfile instruction: ${logical}`);
    const instruction = match[1]!.toUpperCase();
    let args = match[2]!.trim();
    const flags: Record<string, string> = {};
    for (let flag = /^--([a-z-]+)=(\S+)\s+/.exec(args); flag; flag = /^--([a-z-]+)=(\S+)\s+/.exec(args)) {
      flags[flag[1]!] = flag[2]!;
      args = args.slice(flag[0].length);
    }
    if (instruction === 'FROM') stage++;
    result.push({ instruction, flags, args, line: start + 1, stage });
  }
  return result;
}

/** The JSON array of an exec-form instruction (`CMD ["node", "x"]`), or throws. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) throw new Error(`not an exec form: ${args}`);
  return parsed as string[];
}
