// Runs CfnGuardValidator, with its bundled Control Tower rules, over groups of templates, in a process of its
// own so that the test process goes on synthesizing meanwhile (control-tower.ts `checkTemplates`).
// stdin: JSON [{ disabledRules, templatePaths }]; stdout: JSON, each group's `violations` in the same order.
const { CfnGuardValidator } = require('@cdklabs/cdk-validator-cfnguard');

let input = '';
process.stdin.setEncoding('utf-8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const groups = JSON.parse(input);
  const reports = groups.map(
    ({ disabledRules, templatePaths }) =>
      new CfnGuardValidator({ disabledRules, maxBuffer: 64 * 1024 * 1024 }).validate({ templatePaths }).violations,
  );
  process.stdout.write(JSON.stringify(reports));
});
