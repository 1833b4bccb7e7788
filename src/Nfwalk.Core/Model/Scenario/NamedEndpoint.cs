using Nfwalk.Diagnostics;
using Nfwalk.Model.Net;

namespace Nfwalk.Model.Scenario;

/// <summary>A named endpoint (a workload): the host it lives on, its address and optionally the port it serves.</summary>
public sealed record NamedEndpoint(string Name, string Host, IpAddress? Address, ushort? Port, SourceLocation Location);
