// What the tests of the twin (test/infra) take from the CDK's own packages.
// They are installed in cdk/node_modules (the CDK app is a package of its
// own), and an import resolves from the importing file's folder: a test that
// imported aws-cdk-lib itself would not find it, or would find another copy
// whose classes are not the ones cdk/ builds with. So tests import them here.
export { App, Stack } from 'aws-cdk-lib';
export { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
export { Bucket } from 'aws-cdk-lib/aws-s3';
export { AwsSolutionsChecks } from 'cdk-nag';
