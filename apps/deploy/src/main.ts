// Entry point of `cdk synth` / `cdk deploy`: settings → stack, checked by cdk-nag's AwsSolutions pack.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readSettings } from './config.js';
import { buildStack } from './stack.js';

const app = new App();
buildStack(app, readSettings(app));
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
