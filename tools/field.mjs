// Prints one field of the JSON read from standard input; exits 1 (saying what came instead) when it is missing.
//   curl ... | node tools/field.mjs AccessToken
let text = '';
process.stdin.on('data', (chunk) => { text += chunk; }).on('end', () => {
  const name = process.argv[2];
  let value;
  try {
    value = JSON.parse(text)[name];
  } catch {
    value = undefined;
  }
  if (value === undefined || value === null || value === '') {
    console.error(`field: no ${name} in ${text.slice(0, 300)}`);
    process.exit(1);
  }
  console.log(typeof value === 'string' ? value : JSON.stringify(value));
});
