namespace Nfwalk.Model.Scenario;

/// <summary>What a host is; informational (shown in traces and diagrams), the walk treats every host as a network namespace.</summary>
public enum HostRole : byte { Node, Pod, Ztunnel, Router }
