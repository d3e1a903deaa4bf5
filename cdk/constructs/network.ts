// Twin of terraform/modules/vpc: the VPC, its subnets and NAT, the default
// security group without rules, flow logs and the VPC endpoints.
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { FLOW_LOG_PREFIX, type Logs } from './logs';
import { AVAILABILITY_ZONES, SUBNET_CIDRS, type ActionTrackerProps } from '../props';
import { acknowledge, TerraformModule } from './module';

/**
 * Fixed subnet CIDRs: CDK's default allocator packs subnets one after the other
 * (10.20.2.0/24 for the first private subnet), the spec wants 10.20.10.0/24.
 */
class FixedSubnetCidrs implements ec2.IIpAddresses {
  constructor(
    private readonly vpcCidr: string,
    private readonly cidrs: Record<string, readonly string[]>,
    private readonly azs: readonly string[],
  ) {}
  allocateVpcCidr(): ec2.VpcIpamOptions {
    return { cidrBlock: this.vpcCidr };
  }
  allocateSubnetsCidr(input: ec2.AllocateCidrRequest): ec2.SubnetIpamOptions {
    return {
      allocatedSubnets: input.requestedSubnets.map((subnet) => {
        const cidr = this.cidrs[subnet.configuration.name]?.[this.azs.indexOf(subnet.availabilityZone)];
        if (!cidr) throw new Error(`no CIDR in the spec for subnet ${subnet.configuration.name} in ${subnet.availabilityZone}`);
        return { cidr };
      }),
    };
  }
}

/** The interface endpoints the tasks use (image pull, awslogs, the database password). */
export const INTERFACE_ENDPOINTS = ['ecr.api', 'ecr.dkr', 'logs', 'secretsmanager'] as const;

export interface NetworkProps {
  readonly settings: ActionTrackerProps;
  readonly prefix: string;
  /** The log bucket (module logs): flow logs go to `vpc-flow-logs/`. */
  readonly logs: Logs;
}

export class Network extends TerraformModule {
  readonly vpc: ec2.Vpc;
  readonly publicSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PUBLIC };
  readonly privateSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
  readonly endpointSecurityGroup?: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id, 'vpc');
    const s = props.settings;
    const azs = [...AVAILABILITY_ZONES];
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      vpcName: props.prefix,
      ipAddresses: new FixedSubnetCidrs(s.vpcCidr, SUBNET_CIDRS, azs),
      availabilityZones: azs,
      natGateways: s.singleNatGateway ? 1 : azs.length,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
      enableDnsHostnames: true,
      enableDnsSupport: true,
      // Terraform's aws_default_security_group with no rules: nothing may use the default group.
      // CloudFormation cannot manage it, so CDK revokes its rules with a custom resource.
      restrictDefaultSecurityGroup: true,
      // Free: S3 traffic of the private subnets stays off the NAT.
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [this.privateSubnets] } },
    });
    if (s.enableFlowLogs) {
      const flowLog = this.vpc.addFlowLog('FlowLogs', {
        destination: ec2.FlowLogDestination.toS3(props.logs.deliveryTarget, `${FLOW_LOG_PREFIX}/`),
        trafficType: ec2.FlowLogTrafficType.ALL,
        maxAggregationInterval: ec2.FlowLogMaxAggregationInterval.TEN_MINUTES,
      });
      // Delivery checks its grant when the flow log is created.
      if (props.logs.bucket.policy) flowLog.node.addDependency(props.logs.bucket.policy);
    } else {
      acknowledge(this.vpc, [{ id: 'AwsSolutions-VPC7', reason: 'enableFlowLogs is off for this stack (enable_flow_logs = false)' }]);
    }
    if (s.enableInterfaceEndpoints) {
      const sg = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc: this.vpc,
        description: 'VPC interface endpoints: HTTPS from the VPC',
        allowAllOutbound: false,
      });
      sg.addIngressRule(ec2.Peer.ipv4(s.vpcCidr), ec2.Port.tcp(443), 'HTTPS from the VPC');
      this.endpointSecurityGroup = sg;
      for (const service of INTERFACE_ENDPOINTS) {
        this.vpc.addInterfaceEndpoint(`${service.replace('.', '-')}-endpoint`, {
          service: new ec2.InterfaceVpcEndpointAwsService(service),
          subnets: this.privateSubnets,
          securityGroups: [sg],
          privateDnsEnabled: true,
          open: false,
        });
      }
    }
  }
}
