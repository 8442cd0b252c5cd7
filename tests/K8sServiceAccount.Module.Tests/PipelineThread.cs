using System.Runtime.ExceptionServices;

namespace K8sServiceAccount.Module.Tests;

/// <summary>
/// Runs the part of a test that blocks as a pipeline thread does (PipelineLog.RunAndDrain) on a thread of its own, so a
/// lost wake-up fails the test after <see cref="Patience"/> instead of hanging the test run.
/// </summary>
internal static class PipelineThread
{
    internal static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    internal static void Run(Action body)
    {
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                body();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        { IsBackground = true, Name = "pipeline" };
        thread.Start();
        Assert.True(thread.Join(Patience), "the pipeline thread's wait did not end (a lost wake-up?)");
        failure?.Throw();
    }
}
