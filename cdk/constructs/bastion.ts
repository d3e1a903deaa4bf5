// Twin of terraform/modules/bastion: an optional instance reached through SSM
// Session Manager only (no ingress, no key pair, no public address).
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { acknowledge, TerraformModule } from './module';

export interface BastionProps {
  readonly prefix: string;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
}

export class Bastion extends TerraformModule {
  readonly securityGroup: ec2.SecurityGroup;
  readonly instance: ec2.Instance;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: BastionProps) {
    super(scope, id, 'bastion');
    this.securityGroup = new ec2.SecurityGroup(this, 'BastionSecurityGroup', {
      vpc: props.vpc,
      description: 'Bastion: no inbound; outbound for SSM Session Manager',
      allowAllOutbound: true,
    });
    this.role = new iam.Role(this, 'BastionRole', {
      roleName: `${props.prefix}-bastion`,
      description: `Bastion of ${props.prefix}: SSM Session Manager only`,
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    this.instance = new ec2.Instance(this, 'Bastion', {
      instanceName: `${props.prefix}-bastion`,
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      instanceType: new ec2.InstanceType('t4g.nano'),
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
      securityGroup: this.securityGroup,
      role: this.role,
      requireImdsv2: true,
      detailedMonitoring: true,
      associatePublicIpAddress: false,
      blockDevices: [
        { deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(8, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }) },
      ],
    });
    acknowledge(this.role, [
      {
        id: 'AwsSolutions-IAM4',
        reason: 'AmazonSSMManagedInstanceCore is the AWS-maintained Session Manager policy; Terraform attaches the same one',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore'],
      },
    ]);
    acknowledge(this.instance, [
      {
        id: 'AwsSolutions-EC29',
        reason: 'A disposable single bastion (enable_bastion): no termination protection or Auto Scaling group, as in Terraform',
      },
    ]);
  }
}
