/** The real server as a child process: shared with the multi-process benchmark (scripts may not import tests). */
export { ServerProcess } from "../scripts/server_process.ts";
