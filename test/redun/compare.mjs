// Matching tasklens's discovered tasks with the tasks real redun registered (by first line and full name).

/** { exact, declined: [{key, reason}], wrong: [{key, ours, redun}] } */
export function compareWithRedun(found, redunTasks, moduleName) {
  const exact = [];
  const declined = [];
  const wrong = [];
  const ours = new Map(found.tasks.map((t) => [t.range.start.line + 1, t]));
  for (const r of redunTasks) {
    const t = ours.get(r.line);
    const key = `${moduleName}.${r.fullname}@${r.line}`;
    if (!t) wrong.push({ key, ours: "not found", redun: r.hash });
    else if (t.hash === null) declined.push({ key, reason: t.reason });
    else if (t.hash === r.hash && t.fullname === r.fullname) exact.push(key);
    else wrong.push({ key, ours: `${t.fullname} ${t.hash}`, redun: `${r.fullname} ${r.hash}` });
  }
  for (const t of found.tasks) {
    if (!redunTasks.some((r) => r.line === t.range.start.line + 1) && t.hash !== null) wrong.push({ key: `${moduleName}.${t.fullname}`, ours: t.hash, redun: "not registered" });
  }
  return { exact: exact.length, declined, wrong };
}
