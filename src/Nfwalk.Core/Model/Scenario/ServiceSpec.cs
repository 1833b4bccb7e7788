using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;

namespace Nfwalk.Model.Scenario;

/// <summary>A Kubernetes service: its virtual IP and port, the endpoints behind it and the port they serve (targetPort).</summary>
public sealed record ServiceSpec(string Name, IpAddress Vip, ushort Port, IReadOnlyList<string> Endpoints, ushort? TargetPort, SourceLocation Location);
