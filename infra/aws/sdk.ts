/**
 * The @pulumi/aws classes and functions the program uses, imported from their own modules: the
 * package's index loads thousands of modules. Import AWS resources from here, not "@pulumi/aws".
 */
export { Provider } from "@pulumi/aws/provider";
export { getAvailabilityZonesOutput } from "@pulumi/aws/getAvailabilityZones";
export { Eip } from "@pulumi/aws/ec2/eip";
export { InternetGateway } from "@pulumi/aws/ec2/internetGateway";
export { NatGateway } from "@pulumi/aws/ec2/natGateway";
export { Route } from "@pulumi/aws/ec2/route";
export { RouteTable } from "@pulumi/aws/ec2/routeTable";
export { RouteTableAssociation } from "@pulumi/aws/ec2/routeTableAssociation";
export { SecurityGroup } from "@pulumi/aws/ec2/securityGroup";
export { Subnet } from "@pulumi/aws/ec2/subnet";
export { Vpc } from "@pulumi/aws/ec2/vpc";
export { SecurityGroupEgressRule } from "@pulumi/aws/vpc/securityGroupEgressRule";
export { SecurityGroupIngressRule } from "@pulumi/aws/vpc/securityGroupIngressRule";
export { Instance as DbInstance } from "@pulumi/aws/rds/instance";
export { ParameterGroup } from "@pulumi/aws/rds/parameterGroup";
export { SubnetGroup as DbSubnetGroup } from "@pulumi/aws/rds/subnetGroup";
export { Secret } from "@pulumi/aws/secretsmanager/secret";
export { SecretVersion } from "@pulumi/aws/secretsmanager/secretVersion";
export { OpenIdConnectProvider } from "@pulumi/aws/iam/openIdConnectProvider";
export { Role } from "@pulumi/aws/iam/role";
export { RolePolicy } from "@pulumi/aws/iam/rolePolicy";
export { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
export { Bucket } from "@pulumi/aws/s3/bucket";
export { BucketLifecycleConfiguration } from "@pulumi/aws/s3/bucketLifecycleConfiguration";
export { BucketOwnershipControls } from "@pulumi/aws/s3/bucketOwnershipControls";
export { BucketPolicy } from "@pulumi/aws/s3/bucketPolicy";
export { BucketPublicAccessBlock } from "@pulumi/aws/s3/bucketPublicAccessBlock";
export { BucketServerSideEncryptionConfiguration } from "@pulumi/aws/s3/bucketServerSideEncryptionConfiguration";
export { BucketVersioning } from "@pulumi/aws/s3/bucketVersioning";
export { LogGroup } from "@pulumi/aws/cloudwatch/logGroup";
export { Cluster as EcsCluster } from "@pulumi/aws/ecs/cluster";
export { Service as EcsService } from "@pulumi/aws/ecs/service";
export { TaskDefinition } from "@pulumi/aws/ecs/taskDefinition";
export { Listener } from "@pulumi/aws/lb/listener";
export { ListenerRule } from "@pulumi/aws/lb/listenerRule";
export { LoadBalancer } from "@pulumi/aws/lb/loadBalancer";
export { TargetGroup } from "@pulumi/aws/lb/targetGroup";
export { getRegionOutput } from "@pulumi/aws/getRegion";
export { MetricAlarm } from "@pulumi/aws/cloudwatch/metricAlarm";
export { RolePolicyAttachment } from "@pulumi/aws/iam/rolePolicyAttachment";
export { Schedule } from "@pulumi/aws/scheduler/schedule";
export { ScheduleGroup } from "@pulumi/aws/scheduler/scheduleGroup";
export { EventRule } from "@pulumi/aws/cloudwatch/eventRule";
export { Dashboard } from "@pulumi/aws/cloudwatch/dashboard";
