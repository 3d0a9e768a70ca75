// Replaced by the store work: starts one PostgreSQL server for the whole run.
export default function setup(): void {}
