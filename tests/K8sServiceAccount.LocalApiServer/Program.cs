namespace K8sServiceAccount.LocalApiServer;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("LocalApiServer: not built yet");
        return 2;
    }
}
