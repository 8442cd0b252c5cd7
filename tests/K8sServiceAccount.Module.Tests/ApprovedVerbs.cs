namespace K8sServiceAccount.Module.Tests;

/// <summary>
/// PowerShell 7's approved verbs (Get-Verb), embedded because no PowerShell runtime is available here, and the
/// verbs whose cmdlets change the cluster and so must support -WhatIf and -Confirm.
/// </summary>
internal static class ApprovedVerbs
{
    internal static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        // Common
        "Add", "Clear", "Close", "Copy", "Enter", "Exit", "Find", "Format", "Get", "Hide", "Join", "Lock", "Move",
        "New", "Open", "Optimize", "Pop", "Push", "Redo", "Remove", "Rename", "Reset", "Resize", "Search", "Select",
        "Set", "Show", "Skip", "Split", "Step", "Switch", "Undo", "Unlock", "Watch",
        // Communications
        "Connect", "Disconnect", "Read", "Receive", "Send", "Write",
        // Data
        "Backup", "Checkpoint", "Compare", "Compress", "Convert", "ConvertFrom", "ConvertTo", "Dismount", "Edit",
        "Expand", "Export", "Group", "Import", "Initialize", "Limit", "Merge", "Mount", "Out", "Publish", "Restore",
        "Save", "Sync", "Unpublish", "Update",
        // Diagnostic
        "Debug", "Measure", "Ping", "Repair", "Resolve", "Test", "Trace",
        // Lifecycle
        "Approve", "Assert", "Build", "Complete", "Confirm", "Deny", "Deploy", "Disable", "Enable", "Install", "Invoke",
        "Register", "Request", "Restart", "Resume", "Start", "Stop", "Submit", "Suspend", "Uninstall", "Unregister", "Wait",
        // Security
        "Block", "Grant", "Protect", "Revoke", "Unblock", "Unprotect",
        // Other
        "Use",
    };

    /// <summary>
    /// Verbs that change state in the cluster: their cmdlets must SupportsShouldProcess. Connect and Disconnect
    /// are not here on purpose: they change only the runspace's session connection, nothing in a cluster.
    /// </summary>
    internal static readonly IReadOnlySet<string> Changing = new HashSet<string>(StringComparer.Ordinal)
    {
        "Add", "Clear", "Copy", "Move", "New", "Remove", "Rename", "Reset", "Set", "Update", "Grant", "Revoke",
        "Block", "Unblock", "Protect", "Unprotect", "Disable", "Enable", "Install", "Uninstall", "Register",
        "Unregister", "Restart", "Start", "Stop", "Suspend", "Resume", "Deploy", "Publish", "Unpublish", "Restore",
        "Initialize", "Merge", "Sync", "Approve", "Deny", "Submit", "Request",
    };

    /// <summary>Verbs that destroy something: ConfirmImpact High, so they ask by default.</summary>
    internal static readonly IReadOnlySet<string> Destructive = new HashSet<string>(StringComparer.Ordinal)
    {
        "Remove", "Revoke", "Clear", "Uninstall", "Unregister", "Reset",
    };
}
