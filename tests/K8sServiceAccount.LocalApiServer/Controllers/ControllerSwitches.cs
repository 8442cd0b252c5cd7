namespace K8sServiceAccount.LocalApiServer.Controllers;

/// <summary>
/// Which optional controllers run, changeable while the server runs (GET/PUT /admin/controllers as
/// system:masters). Starts from <see cref="LocalApiServerOptions.TokenController"/>.
/// </summary>
public sealed class ControllerSwitches
{
    private int _token;

    public ControllerSwitches(bool tokenController, bool workloadControllers = true)
    {
        _token = tokenController ? 1 : 0;
        WorkloadControllers = workloadControllers;
    }

    /// <summary>The Deployment and ReplicaSet controllers (<see cref="LocalApiServerOptions.WorkloadControllers"/>).</summary>
    public bool WorkloadControllers { get; }

    /// <summary>
    /// The token controller. Switching it on reconciles every existing service-account-token Secret, as a
    /// starting kube-controller-manager does with its initial list.
    /// </summary>
    public bool TokenController
    {
        get => Volatile.Read(ref _token) == 1;
        set
        {
            if (Interlocked.Exchange(ref _token, value ? 1 : 0) == 0 && value) TokenControllerStarted?.Invoke();
        }
    }

    /// <summary>Raised when the token controller goes from off to on.</summary>
    internal event Action? TokenControllerStarted;
}
